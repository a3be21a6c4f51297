package dev.jtune.serve;

/**
 * How many tensor elements one request may still bring (--max-request-elements): every number,
 * string or bool read from a request, and every token of text classified server-side, takes one.
 * Reading stops with a 413 the moment a request goes over, so an oversized body costs no more than
 * the limit.
 */
final class ElementBudget {
  private final long limit;
  private long used;

  ElementBudget(long limit) {
    if (limit < 1) throw new IllegalArgumentException("element limit must be >= 1, got " + limit);
    this.limit = limit;
  }

  /** Takes {@code n} elements; 413 when that goes over the limit. */
  void take(long n) {
    used += n;
    if (used > limit) {
      throw new ApiException(
          413,
          "Request holds more than " + limit + " tensor elements, the limit of --max-request-elements; send fewer rows per request");
    }
  }
}
