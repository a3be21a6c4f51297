package dev.jtune.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingBenchmarkTest {
  @TempDir Path dir;

  @Test
  @SuppressWarnings("unchecked")
  void reportsEachModesRateAgainstTheMatMulPeakOfTheSameRun() throws Exception {
    Path encoder = TinyRunFixture.encoder(dir);
    Path data = TinyRunFixture.dataset(dir, 64, 16, 16);
    Map<String, Object> r = TrainingBenchmark.run(
        new TrainingBenchmark.Config(encoder, data, "train", 64, 16, 32, 2, List.of("frozen", "all")), dir.resolve("work"));

    Map<String, Object> modes = (Map<String, Object>) r.get("modes");
    Map<String, Object> frozen = (Map<String, Object>) modes.get("frozen"), all = (Map<String, Object>) modes.get("all");
    Map<String, Object> peak = (Map<String, Object>) r.get("matmul_peak_gflops");
    double fp32 = (Double) peak.get("fp32");
    assertTrue(fp32 > 0, peak.toString());
    for (Map<String, Object> m : List.of(frozen, all)) {
      double g = (Double) m.get("first_epoch_gflops");
      assertTrue(g > 0, m.toString());
      assertEquals(Math.round(g / fp32 * 1000) / 1000.0, (Double) m.get("first_epoch_fraction_of_fp32_peak"), 1e-9);
    }
    assertTrue((Double) frozen.get("feature_pass_seq_per_s") > 0, frozen.toString());
    assertTrue((Double) r.get("encoder_forward_seq_per_s") > 0, r.toString());
    assertTrue((Double) r.get("feature_pass_vs_encoder_forward") > 0, r.toString());
    assertTrue(r.containsKey("cpu_model") && r.get("cpu_vector_flags") instanceof List<?>, r.toString());
  }
}
