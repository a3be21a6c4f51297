package dev.jtune.export;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Locale;

/**
 * The parity report of one export ({@code export-report.json}): for each artifact its size, how
 * far its probabilities are from the training graph's on the parity set, label agreement, test
 * accuracy and macro-F1, batch-1 / batch latency in the runtime that checked it, and how long
 * that runtime took for the whole check ({@code seconds}).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ExportReport(
    @JsonProperty("model") String model,
    @JsonProperty("version") long version,
    @JsonProperty("run") String run,
    @JsonProperty("parity_set") String paritySet,
    @JsonProperty("examples") int examples,
    @JsonProperty("artifacts") List<Artifact> artifacts) {

  /** One row of the report. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Artifact(
      @JsonProperty("artifact") String artifact,
      @JsonProperty("runtime") String runtime,
      @JsonProperty("file") String file,
      @JsonProperty("bytes") Long bytes,
      @JsonProperty("max_abs_diff") Double maxAbsDiff,
      @JsonProperty("label_agreement") Double labelAgreement,
      @JsonProperty("accuracy") Double accuracy,
      @JsonProperty("macro_f1") Double macroF1,
      @JsonProperty("latency_batch1_ms_p50") Double batch1MsP50,
      @JsonProperty("latency_batch_ms_p50") Double batchMsP50,
      @JsonProperty("batch_size") Integer batchSize,
      @JsonProperty("examples_per_second") Double examplesPerSecond,
      @JsonProperty("check") String check,
      @JsonProperty("check_passed") Boolean checkPassed,
      @JsonProperty("seconds") Double seconds) {

    /** This row with the wall time its runtime took: loading the artifact and scoring the parity set. */
    Artifact withSeconds(double s) {
      return new Artifact(artifact, runtime, file, bytes, maxAbsDiff, labelAgreement, accuracy, macroF1, batch1MsP50, batchMsP50, batchSize,
          examplesPerSecond, check, checkPassed, s);
    }
  }

  public boolean allChecksPassed() {
    return artifacts.stream().allMatch(a -> a.checkPassed() == null || a.checkPassed());
  }

  /** The console table. */
  public String toTable() {
    StringBuilder s = new StringBuilder();
    s.append(String.format(Locale.ROOT, "export %s version %d (run %s), parity on %d examples of %s%n", model, version, run, examples, paritySet));
    String fmt = "%-22s %-14s %9s %10s %7s %7s %8s %9s %9s %8s %7s  %s%n";
    s.append(String.format(Locale.ROOT, fmt, "artifact", "runtime", "size MB", "max|dp|", "agree%", "acc", "macroF1", "b1 ms", "batch ms", "ex/s",
        "time s", "check"));
    for (Artifact a : artifacts) {
      s.append(String.format(Locale.ROOT, fmt, a.artifact(), a.runtime(),
          a.bytes() == null ? "-" : String.format(Locale.ROOT, "%.2f", a.bytes() / 1e6),
          a.maxAbsDiff() == null ? "-" : String.format(Locale.ROOT, "%.1e", a.maxAbsDiff()),
          pct(a.labelAgreement()), num(a.accuracy()), num(a.macroF1()),
          ms(a.batch1MsP50()), ms(a.batchMsP50()),
          a.examplesPerSecond() == null ? "-" : String.format(Locale.ROOT, "%.1f", a.examplesPerSecond()),
          a.seconds() == null ? "-" : String.format(Locale.ROOT, "%.1f", a.seconds()),
          a.check() == null ? "" : a.check() + (a.checkPassed() ? " ok" : " FAILED")));
    }
    return s.toString();
  }

  private static String pct(Double v) {
    return v == null ? "-" : String.format(Locale.ROOT, "%.2f", 100 * v);
  }

  private static String num(Double v) {
    return v == null ? "-" : String.format(Locale.ROOT, "%.4f", v);
  }

  private static String ms(Double v) {
    return v == null ? "-" : String.format(Locale.ROOT, "%.2f", v);
  }
}
