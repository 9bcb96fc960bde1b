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
 * their CPU and memory beside the edges'. Only seeds on this machine (loopback) count; a
 * {@code rediss://} seed or one on another host has no process here to read.
 */
final class LocalRedis {
    private static final int TIMEOUT_MILLIS = 3000;

    private LocalRedis() {}

    /** The pids of the seeds' processes, in seed order; IOException when a loopback seed does not answer. */
    static List<Long> pids(String seeds) throws IOException {
        List<Long> pids = new ArrayList<>();
        for (URI seed : RedisSettings.parseSeeds(seeds)) {
            InetAddress host = InetAddress.getByName(seed.getHost());
            if (!"redis".equals(seed.getScheme()) || !host.isLoopbackAddress()) {
                continue;
            }
            long pid = processId(info(new InetSocketAddress(host, seed.getPort())));
            if (Files.isDirectory(Path.of("/proc", Long.toString(pid))) && !pids.contains(pid)) {
                pids.add(pid);
            }
        }
        return pids;
    }

    /** {@code INFO server}'s text (a RESP bulk string). */
    private static String info(InetSocketAddress address) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(address, TIMEOUT_MILLIS);
            s.setSoTimeout(TIMEOUT_MILLIS);
            OutputStream out = s.getOutputStream();
            out.write("*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n".getBytes(StandardCharsets.US_ASCII));
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

    static long processId(String info) throws IOException {
        for (String line : info.split("\r?\n")) {
            if (line.startsWith("process_id:")) {
                return Long.parseLong(line.substring("process_id:".length()).strip());
            }
        }
        throw new IOException("no process_id in Redis's INFO server");
    }
}
