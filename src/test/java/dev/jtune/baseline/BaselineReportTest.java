package dev.jtune.baseline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jtune.artifact.JtuneJson;
import dev.jtune.io.CliRun;
import dev.jtune.io.Manifest;
import dev.jtune.io.UserFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jtune baseline}: the folder it writes, and the folders it refuses. */
class BaselineReportTest {
  @TempDir Path dir;

  @Test
  void writesMetricsReportAndConfusionMatrixIntoAJtuneFolder() throws Exception {
    Path data = SeparableDataset.write(dir.resolve("sep"));
    Path out = dir.resolve("runs").resolve("baseline-sep");
    CliRun.of("baseline", "--data", data.toString(), "--out", out.toString(), "--c", "0.0001,100").assertOk();
    for (String f : List.of("metrics.json", "report.md", "confusion_matrix.png", Manifest.FILE_NAME)) {
      assertTrue(Files.isRegularFile(out.resolve(f)), "missing " + f);
    }
    JsonNode m = JtuneJson.MAPPER.readTree(out.resolve("metrics.json").toFile());
    assertEquals(data.toString(), m.get("data").asText());
    assertEquals(100.0, m.get("chosen_c").asDouble());
    assertEquals(2, m.get("candidates").size());
    assertEquals(1.0, m.at("/test/macro_f1").asDouble());
    assertEquals(8, m.at("/test/examples").asInt());
    assertEquals("[[3,0],[0,5]]", m.at("/test/confusion").toString());
    assertEquals(1.0, m.at("/validation/accuracy").asDouble());
    String report = Files.readString(out.resolve("report.md"));
    assertTrue(report.contains("| 100 (chosen) | 1.0000 | 1.0000 |"), report);
    assertTrue(report.contains("## Evaluation: test"), report);
    assertEquals("baseline", Manifest.read(Manifest.fileIn(out)).orElseThrow().kind());

    CliRun.of("baseline", "--data", data.toString(), "--out", out.toString()).assertOk(); // its own folder: replaced
    assertEquals(2, JtuneJson.MAPPER.readTree(out.resolve("metrics.json").toFile()).get("candidates").size(), "default C 1,10");
  }

  @Test
  void refusesAFolderJtuneDidNotWriteAndLeavesItAsItWas() throws Exception {
    Path data = SeparableDataset.write(dir.resolve("sep"));
    Path out = dir.resolve("mine");
    UserFiles mine = UserFiles.inside(out);
    CliRun.of("baseline", "--data", data.toString(), "--out", out.toString(), "--force")
        .assertRefused(out + ": folder exists and was not written by jtune");
    mine.assertUnchanged();
    assertFalse(Files.exists(out.resolve("metrics.json")));
  }

  @Test
  void refusesTheDatasetFolderAndBadOptions() throws Exception {
    Path data = SeparableDataset.write(dir.resolve("sep"));
    CliRun.of("baseline", "--data", data.toString(), "--out", data.toString()).assertRefused("is the input");
    CliRun.of("baseline", "--data", data.toString(), "--out", dir.resolve("b").toString(), "--c", "0")
        .assertRefused("each C must be a finite number > 0");
    CliRun.of("baseline", "--data", dir.resolve("nothing").toString(), "--out", dir.resolve("b").toString())
        .assertRefused("labels.txt");
    assertFalse(Files.exists(dir.resolve("b")), "nothing written");
  }
}
