package dev.jtune.serve;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.component.Graceful;
import org.eclipse.jetty.util.thread.Invocable;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * A Jetty handler in front of the REST routes that receives each request body in full before the
 * request goes on, without holding a thread while the bytes arrive: Jetty calls back when bytes
 * come in, they are copied into memory, and only a complete body is handed to the routes (which
 * then never wait on the network). A client that sends its body slowly therefore costs a
 * connection and the bytes it sent, never one of the threads that answer other requests.
 *
 * <p>It enforces the body limits, answering with TF Serving's {@code {"error": ...}}: a body over
 * {@code maxBodyBytes} gets 413 (a declared one at once; otherwise after the rest, up to {@link
 * #DRAIN_BYTES}, has been read and dropped, so a client still sending reads the answer instead of a
 * reset connection); a body not complete within the body timeout, or stalled past the connection's
 * idle timeout, gets 408; a body that would take the bytes held by all bodies over {@code
 * maxBufferedBytes} gets 503. A body's bytes count until its request has been answered.
 *
 * <p>On shutdown, bodies still arriving are answered 503 at once: they are not requests in flight
 * and must not hold up the server's stop.
 */
final class BufferedBodyHandler extends Handler.Wrapper implements Graceful {
  /** Request attribute holding the complete body ({@code byte[]}) for the routes. */
  static final String BODY = BufferedBodyHandler.class.getName() + ".body";
  /** How much of an oversized body is still read and dropped before the 413 goes out. */
  static final long DRAIN_BYTES = 16L << 20;
  private static final int FIRST_BUFFER = 8 * 1024;

  private final long maxBodyBytes;
  private final ClientLimits limits;
  private final ServingMetrics metrics;
  private final AtomicLong buffered = new AtomicLong();
  private final Set<Receiver> receiving = ConcurrentHashMap.newKeySet();
  private volatile boolean shutdown;

  BufferedBodyHandler(long maxBodyBytes, ClientLimits limits, ServingMetrics metrics) {
    this.maxBodyBytes = maxBodyBytes;
    this.limits = limits;
    this.metrics = metrics;
    metrics.bufferedBodyBytes(buffered::get);
  }

  /** Body bytes held right now (bodies arriving or being answered). */
  long bufferedBytes() {
    return buffered.get();
  }

  @Override
  public CompletableFuture<Void> shutdown() {
    shutdown = true;
    for (Receiver r : receiving) r.abort();
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public boolean isShutdown() {
    return shutdown;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    Handler next = getHandler();
    if (next == null) return false;
    // once the body is in, a request's processing is bounded by the request timeout (504), not by
    // the idle timeout; a pending read or write is still failed by the idle timeout
    request.addIdleTimeoutListener(t -> false);
    long declared = request.getLength();
    boolean chunked = request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING, HttpHeaderValue.CHUNKED.asString());
    if (declared <= 0 && !chunked) return next.handle(request, response, callback);
    if (declared > DRAIN_BYTES) {
      metrics.bodyRefused("too_large");
      refuse(response, callback, 413, tooLarge(declared), true);
      return true;
    }
    new Receiver(next, request, response, callback, declared).start();
    return true;
  }

  private String tooLarge(long size) {
    return "Request body " + (size >= 0 ? "of " + size + " bytes " : "") + "exceeds the limit of " + maxBodyBytes + " bytes (--max-body-bytes)";
  }

  private static void refuse(Response response, Callback callback, int status, String message, boolean close) {
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
    // the rest of the body is not read: the connection cannot carry another request
    if (close) response.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
    if (status == 503) response.getHeaders().put(HttpHeader.RETRY_AFTER, "1");
    response.write(true, ByteBuffer.wrap(TfServingJson.error(message)), callback);
  }

  /** Receives one body; Jetty calls {@link #run()} when more of it can be read. */
  private final class Receiver implements Invocable.Task {
    private final Handler next;
    private final Request request;
    private final Response response;
    private final Callback callback;
    private final long declared;
    private byte[] bytes = new byte[0];
    private int length;
    private long reserved;
    // over the limit: the rest is read and dropped, then 413
    private boolean discarding;
    private long dropped;
    // set once, by whoever answers or hands the request on (the reader or the body timeout)
    private boolean finished;
    private Scheduler.Task deadline;

    Receiver(Handler next, Request request, Response response, Callback callback, long declared) {
      this.next = next;
      this.request = request;
      this.response = response;
      this.callback = callback;
      this.declared = declared;
      this.discarding = declared > maxBodyBytes;
    }

    void start() {
      Request.addCompletionListener(request, failure -> release());
      if (discarding) metrics.bodyRefused("too_large");
      synchronized (this) {
        deadline = request.getComponents().getScheduler().schedule(this::expire, limits.bodyTimeout().toMillis(), TimeUnit.MILLISECONDS);
      }
      // registered before the check, so a shutdown either sees this body or this body sees it
      receiving.add(this);
      if (shutdown) abort();
      else receive(false);
    }

    @Override
    public InvocationType getInvocationType() {
      return InvocationType.NON_BLOCKING;
    }

    @Override
    public void run() {
      receive(true);
    }

    /** Reads what has arrived; asks Jetty to call back when more comes. Never blocks. */
    private void receive(boolean calledBack) {
      Runnable then = null;
      synchronized (this) {
        while (!finished) {
          Content.Chunk chunk = request.read();
          if (chunk == null) {
            request.demand(this);
            return;
          }
          if (Content.Chunk.isFailure(chunk)) {
            finished = true;
            Throwable failure = chunk.getFailure();
            if (failure instanceof TimeoutException) {
              metrics.bodyRefused("timeout");
              then = () -> refuse(response, callback, 408, "Request body stalled: no bytes within the idle timeout of " + limits.idleTimeout().toMillis() + " ms (--idle-timeout-ms)", true);
            } else {
              then = () -> callback.failed(failure);
            }
            break;
          }
          boolean last = chunk.isLast();
          boolean overBudget;
          try {
            overBudget = !take(chunk.getByteBuffer());
          } finally {
            chunk.release();
          }
          if (overBudget) {
            finished = true;
            metrics.bodyRefused("busy");
            then = () -> refuse(response, callback, 503, "Server busy: request bodies in memory are at the limit of " + limits.maxBufferedBodyBytes() + " bytes (--max-buffered-body-bytes); retry later", true);
          } else if (discarding && dropped > DRAIN_BYTES) {
            finished = true;
            then = () -> refuse(response, callback, 413, tooLarge(-1), true);
          } else if (last) {
            finished = true;
            then = discarding ? () -> refuse(response, callback, 413, tooLarge(declared), false) : dispatch(calledBack);
          }
          if (finished) deadline.cancel();
        }
      }
      if (then != null) then.run();
    }

    /** Copies a chunk into the body; false when the bytes held by all bodies would go over the cap. */
    private boolean take(ByteBuffer chunk) {
      int n = chunk.remaining();
      if (n == 0) return true;
      if (!discarding && (long) length + n > maxBodyBytes) {
        // chunked body over the limit: drop what was kept and the rest
        metrics.bodyRefused("too_large");
        discarding = true;
        dropped = length;
        bytes = null;
        giveBack();
      }
      if (discarding) {
        dropped += n;
        return true;
      }
      if (length + n > bytes.length) {
        // grow by doubling, never beyond the declared length: memory follows the bytes that came
        long cap = declared > 0 ? declared : maxBodyBytes;
        int size = (int) Math.min(cap, Math.max((long) length + n, Math.max(FIRST_BUFFER, 2L * bytes.length)));
        long more = size - bytes.length;
        if (buffered.addAndGet(more) > limits.maxBufferedBodyBytes()) {
          buffered.addAndGet(-more);
          return false;
        }
        reserved += more;
        bytes = Arrays.copyOf(bytes, size);
      }
      chunk.get(bytes, length, n);
      length += n;
      return true;
    }

    /** Hands the complete body on: on this thread when Jetty called handle(), else on a pool thread. */
    private Runnable dispatch(boolean calledBack) {
      byte[] body = length == bytes.length ? bytes : Arrays.copyOf(bytes, length);
      Runnable handOn =
          () -> {
            BufferedRequest complete = new BufferedRequest(request, body);
            complete.setAttribute(BODY, body);
            try {
              if (!next.handle(complete, response, callback)) Response.writeError(request, response, callback, 404);
            } catch (Throwable t) {
              Response.writeError(request, response, callback, t);
            }
          };
      // a call back may come on a network thread, which must not run the routes
      return calledBack ? () -> request.getContext().execute(handOn) : handOn;
    }

    private void expire() {
      if (finish()) {
        metrics.bodyRefused("timeout");
        refuse(response, callback, 408, "Request body not received in full within " + limits.bodyTimeout().toMillis() + " ms (--body-timeout-ms)", true);
      }
    }

    /** The server is stopping. */
    void abort() {
      if (finish()) refuse(response, callback, 503, "Server is shutting down", true);
    }

    /** Claims the answer for the caller; false when the body was already answered or handed on. */
    private synchronized boolean finish() {
      if (finished) return false;
      finished = true;
      if (deadline != null) deadline.cancel();
      return true;
    }

    private synchronized void giveBack() {
      buffered.addAndGet(-reserved);
      reserved = 0;
    }

    private void release() {
      receiving.remove(this);
      giveBack();
      synchronized (this) {
        if (deadline != null) deadline.cancel();
      }
    }
  }

  /** The request with its body already in memory: reads return it at once, then end of content. */
  private static final class BufferedRequest extends Request.Wrapper {
    private Content.Chunk body;

    BufferedRequest(Request request, byte[] bytes) {
      super(request);
      this.body = Content.Chunk.from(ByteBuffer.wrap(bytes), true);
    }

    @Override
    public synchronized Content.Chunk read() {
      Content.Chunk c = body;
      if (c == null) return super.read();
      body = null;
      return c;
    }

    @Override
    public void demand(Runnable onContent) {
      boolean ready;
      synchronized (this) {
        ready = body != null;
      }
      if (ready) onContent.run();
      else super.demand(onContent);
    }
  }
}
