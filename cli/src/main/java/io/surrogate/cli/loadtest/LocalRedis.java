package io.surrogate.cli.loadtest;

import io.surrogate.server.cluster.RedisSettings;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code redis-server} processes behind a {@code --redis} value, found by asking each seed
 * {@code INFO server} (its {@code process_id}) over one plain RESP request: the load test reads
 * their CPU and memory beside the edges', and {@code INFO memory}'s {@code used_memory} (what
 * Redis's data takes, without the allocator's slack that RSS has). Only seeds on this machine
 * (loopback) count; a {@code rediss://} seed or one on another host has no process here to read.
 */
final class LocalRedis {
    private static final int TIMEOUT_MILLIS = 3000;

    private LocalRedis() {}

    /** The pids of the seeds' processes, in seed order; IOException when a loopback seed does not answer. */
    static List<Long> pids(String seeds) throws IOException {
        List<Long> pids = new ArrayList<>();
        for (InetSocketAddress seed : local(seeds)) {
            long pid = field(info(seed, "server"), "process_id");
            if (Files.isDirectory(Path.of("/proc", Long.toString(pid))) && !pids.contains(pid)) {
                pids.add(pid);
            }
        }
        return pids;
    }

    /** The sum of {@code used_memory} over the seeds on this machine, in KiB. */
    static long usedMemoryKiB(String seeds) throws IOException {
        long bytes = 0;
        for (InetSocketAddress seed : local(seeds)) {
            bytes += field(info(seed, "memory"), "used_memory");
        }
        return bytes / 1024;
    }

    private static List<InetSocketAddress> local(String seeds) throws IOException {
        List<InetSocketAddress> out = new ArrayList<>();
        for (URI seed : RedisSettings.parseSeeds(seeds)) {
            InetAddress host = InetAddress.getByName(seed.getHost());
            if ("redis".equals(seed.getScheme()) && host.isLoopbackAddress()) {
                out.add(new InetSocketAddress(host, seed.getPort()));
            }
        }
        return out;
    }

    /** {@code INFO SECTION}'s text (a RESP bulk string). */
    private static String info(InetSocketAddress address, String section) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(address, TIMEOUT_MILLIS);
            s.setSoTimeout(TIMEOUT_MILLIS);
            OutputStream out = s.getOutputStream();
            out.write(("*2\r\n$4\r\nINFO\r\n$" + section.length() + "\r\n" + section + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            DataInputStream in = new DataInputStream(s.getInputStream());
            String head = line(in);
            if (!head.startsWith("$")) {
                throw new IOException("redis at " + address + " answered INFO with " + head);
            }
            byte[] body = new byte[Integer.parseInt(head.substring(1))];
            in.readFully(body);
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            if (c != '\r') {
                b.append((char) c);
            }
        }
        return b.toString();
    }

    private static long field(String info, String name) throws IOException {
        for (String line : info.split("\r?\n")) {
            if (line.startsWith(name + ":")) {
                return Long.parseLong(line.substring(name.length() + 1).strip());
            }
        }
        throw new IOException("no " + name + " in Redis's INFO");
    }
}
