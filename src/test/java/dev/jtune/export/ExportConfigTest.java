package dev.jtune.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jtune.JtuneException;
import dev.jtune.export.tflite.TflitePrecision;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The export config's defaults (those of the CLI) and its refusals. */
class ExportConfigTest {
  @Test
  void defaultsAreTheCommandLinesDefaults() {
    ExportConfig c = ExportConfig.of(Path.of("runs/r"));
    assertEquals(new ExportConfig.Output(Path.of("exports"), null, false), c.output());
    assertEquals(new ExportConfig.Artifacts(EnumSet.allOf(ExportFormat.class), ExportConfig.SavedModelPrecision.FP32,
        EnumSet.allOf(TflitePrecision.class), 0), c.artifacts());
    assertEquals(new ExportConfig.Parity(true, null, "test", 200, 32), c.parity());
    assertEquals(c, c.toBuilder().build(), "a builder holds every value");
  }

  @Test
  void withersChangeOneFieldEach() {
    ExportConfig c = ExportConfig.of(Path.of("runs/r")).withOut(Path.of("out")).withFormats("onnx,savedmodel").withParity(false)
        .withPrecision(ExportConfig.SavedModelPrecision.BF16).withForce(true);
    assertEquals(new ExportConfig.Output(Path.of("out"), null, true), c.output());
    assertEquals(Set.of(ExportFormat.ONNX, ExportFormat.SAVEDMODEL), c.artifacts().formats());
    assertEquals(ExportConfig.SavedModelPrecision.BF16, c.artifacts().savedModelPrecision());
    assertEquals(new ExportConfig.Parity(false, null, "test", 200, 32), c.parity());
  }

  @Test
  void badValuesAreOneLineNamingTheFlag() {
    assertEquals("--run is required: the run folder (runs/<run>) to export",
        assertThrows(JtuneException.class, () -> ExportConfig.builder(null).build()).getMessage());
    assertEquals("--tflite-seq-len must be >= 2 (or 0 for the run's max_seq_len), got -1",
        assertThrows(JtuneException.class, () -> ExportConfig.builder(Path.of("r")).tfliteSeqLen(-1).build()).getMessage());
    assertEquals("--split must be train, val or test, got dev",
        assertThrows(JtuneException.class, () -> ExportConfig.builder(Path.of("r")).split("dev").build()).getMessage());
    assertEquals("--parity-examples must be a number >= 0 or 'all', got -3",
        assertThrows(JtuneException.class, () -> ExportConfig.builder(Path.of("r")).limit(-3).build()).getMessage());
    assertEquals("--batch-size must be >= 1, got 0",
        assertThrows(JtuneException.class, () -> ExportConfig.builder(Path.of("r")).batchSize(0).build()).getMessage());
  }
}
