package dev.jtune.serve;

import java.nio.file.Path;
import java.util.Map;

/**
 * The outcome of one batch-scoring run.
 *
 * @param rows records read (scored + rejected)
 * @param scored rows written to the predictions file
 * @param rejected rejected rows by reason (also in the rejects file, one line each)
 * @param seconds wall time from opening the input to the atomic rename of the outputs
 */
public record ScoreReport(Path out, Path rejects, long rows, long scored, Map<String, Long> rejected, double seconds) {

  public double rowsPerSecond() {
    return seconds <= 0 ? 0 : rows / seconds;
  }

  public long rejectedTotal() {
    return rejected.values().stream().mapToLong(Long::longValue).sum();
  }
}
