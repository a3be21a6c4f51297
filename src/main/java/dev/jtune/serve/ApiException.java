package dev.jtune.serve;

/**
 * A request the REST API refuses, with the HTTP status TF Serving would answer (400 bad request,
 * 404 unknown model or version, 413 body too large, 503 queue full, 504 deadline exceeded). Its
 * message becomes the body {@code {"error": "..."}}.
 */
public class ApiException extends RuntimeException {
  private final int status;

  public ApiException(int status, String message) {
    super(message, null, false, false);
    this.status = status;
  }

  public int status() {
    return status;
  }
}
