/**
 * A sample origin for the demo and the integration tests: the JDK's HTTP server and client and
 * javax.crypto only, so that it proves the wire contract is enough to build an origin.
 */
package io.surrogate.server.origin;
