package dev.jtune.train;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a pruned run records beside its own scores: the unpruned run, how many heads, neurons and
 * parameters remain, both models' test scores and throughput on the same texts in this run.
 *
 * @param plan the pruned encoder's provenance ({@link SourceRun#pruned}): counts before and after
 */
record PruningReport(SourceRun unpruned, Map<String, Object> plan, TrainingRun.Scored pruned, TrainingRun.Scored original) {
  double speedup() {
    return pruned.seqPerSecond() / original.seqPerSecond();
  }

  /** The {@code pruning} object of the run's metrics.json. */
  Map<String, Object> summary() {
    Map<String, Object> m = new LinkedHashMap<>(plan);
    m.remove("config");
    m.put("unpruned_validation_macro_f1_recorded", unpruned.recordedMacroF1("validation"));
    m.put("unpruned_test", original.metrics());
    m.put("pruned_test_seq_per_s", pruned.seqPerSecond());
    m.put("unpruned_test_seq_per_s", original.seqPerSecond());
    m.put("speedup", speedup());
    return m;
  }

  /** The report's pruning section. */
  String markdown() {
    StringBuilder md = new StringBuilder("## Structured pruning\n\n");
    md.append("| model | heads | FFN neurons | encoder parameters | test macro-F1 | test seq/s |\n|---|---:|---:|---:|---:|---:|\n");
    md.append(row("unpruned `" + unpruned.dir() + "`", 0, original));
    md.append(row("pruned (this run, after its fine-tuning)", 1, pruned));
    md.append(String.format(Locale.ROOT, "%n- %.2fx the unpruned model's test throughput (same texts, same batch size, this run)%n", speedup()));
    md.append("- importance: ").append(plan.get("importance")).append(", budget spent ").append(plan.get("scope")).append('\n');
    return md.toString();
  }

  private String row(String name, int i, TrainingRun.Scored s) {
    return String.format(Locale.ROOT, "| %s | %s | %s | %,d | %.4f | %.1f |%n", name, count("heads", i), count("ffn_neurons", i),
        ((Number) ((List<?>) plan.get("encoder_parameters")).get(i)).longValue(), s.metrics().macroF1(), s.seqPerSecond());
  }

  private String count(String key, int i) {
    return String.valueOf(((List<?>) plan.get(key)).get(i));
  }
}
