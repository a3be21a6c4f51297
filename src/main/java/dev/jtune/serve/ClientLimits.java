package dev.jtune.serve;

import java.time.Duration;

/**
 * What one client connection may cost the server, so that slow or hostile clients cannot starve
 * the others. Request bodies are received without holding a thread (see {@link
 * BufferedBodyHandler}); these limits bound how long and how much memory that may take.
 *
 * @param idleTimeout a connection on which no byte moves for this long is closed (between requests,
 *     while headers or a body arrive, while a response is written); a request being processed is
 *     bounded by the request timeout instead
 * @param bodyTimeout a request body must have arrived in full this long after its headers; else 408
 * @param maxBufferedBodyBytes request body bytes held in memory at once, over all requests whose
 *     body is arriving or being answered; a body that would go over it gets 503
 * @param maxRequestElements most tensor elements one request may hold (all its inputs together:
 *     numbers, strings, bools; token ids for raw text); more gets 413 while the body is read
 */
public record ClientLimits(Duration idleTimeout, Duration bodyTimeout, long maxBufferedBodyBytes, long maxRequestElements) {
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(30);
  public static final Duration DEFAULT_BODY_TIMEOUT = Duration.ofSeconds(60);
  public static final long DEFAULT_MAX_BUFFERED_BODY_BYTES = 256L << 20;
  /** 4 Mi elements: 16 MB as float32 or int32, 32 MB as int64 or double. */
  public static final long DEFAULT_MAX_REQUEST_ELEMENTS = 1L << 22;

  public ClientLimits {
    if (idleTimeout == null || idleTimeout.toMillis() < 1) throw new dev.jtune.JtuneException("idle timeout must be >= 1 ms");
    if (bodyTimeout == null || bodyTimeout.toMillis() < 1) throw new dev.jtune.JtuneException("body timeout must be >= 1 ms");
    if (maxBufferedBodyBytes < 1024) throw new dev.jtune.JtuneException("max buffered body bytes must be >= 1024");
    if (maxRequestElements < 1 || maxRequestElements > Integer.MAX_VALUE - 8) {
      throw new dev.jtune.JtuneException("--max-request-elements must be 1.." + (Integer.MAX_VALUE - 8) + ", got " + maxRequestElements);
    }
  }

  /** 30 s idle timeout (Jetty's default), 60 s per body (nginx's client_body_timeout), 256 MiB of bodies, 4 Mi elements per request. */
  public static ClientLimits defaults() {
    return new ClientLimits(DEFAULT_IDLE_TIMEOUT, DEFAULT_BODY_TIMEOUT, DEFAULT_MAX_BUFFERED_BODY_BYTES, DEFAULT_MAX_REQUEST_ELEMENTS);
  }
}
