package dev.jtune.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jtune.artifact.JtuneJson;
import dev.jtune.cli.Main;
import dev.jtune.model.BertConfig;
import dev.jtune.model.ClassifierSavedModel;
import dev.jtune.model.TrainedClassifier;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jtune distill} end to end on the tiny encoder: a teacher run, a student cut from it to one
 * layer that learns from half the labels plus unlabeled texts, and a second student (another
 * encoder) that reuses the cached teacher logits. The run folders are normal runs that record the teacher.
 */
class DistillRunTest {
  @TempDir static Path dir;
  static Path encoder, data, teacher, unlabeled;

  @BeforeAll
  static void trainTeacher() throws Exception {
    encoder = TinyRunFixture.encoder(dir);
    data = TinyRunFixture.dataset(dir, 240, 80, 80);
    teacher = dir.resolve("runs").resolve("teacher");
    assertEquals(0, Main.run("train", "--model", encoder.toString(), "--data", data.toString(), "--out", teacher.toString(),
        "--epochs", "4", "--lr", "0.01", "--batch-size", "16", "--max-seq-len", "32", "--no-progress", "--no-baseline"));
    StringBuilder csv = new StringBuilder("id,text\n");
    Random r = new Random(9);
    for (int i = 0; i < 60; i++) csv.append(i).append(',').append(TinyRunFixture.toyRow(r).replaceAll(",(marked|plain)$", "")).append('\n');
    csv.append("60,\n61,\"  \"\n");
    unlabeled = dir.resolve("unlabeled.csv");
    Files.writeString(unlabeled, csv.toString());
  }

  @Test
  void aStudentCutFromTheTeacherLearnsFromHalfTheLabelsAndUnlabeledTexts() throws Exception {
    Path student = dir.resolve("runs").resolve("cut");
    assertEquals(0, Main.run("distill", "--teacher", teacher.toString(), "--student-layers", "1", "--data", data.toString(),
        "--out", student.toString(), "--labeled-fraction", "0.5", "--unlabeled", unlabeled.toString(), "--temperature", "3",
        "--alpha", "0.7", "--epochs", "4", "--lr", "0.01", "--batch-size", "16", "--max-seq-len", "32", "--no-progress", "--no-baseline"));
    TrainedClassifier model = ClassifierSavedModel.read(student.resolve("model"));
    assertEquals(1, model.config().numHiddenLayers(), "one layer kept");
    TrainedClassifier t = ClassifierSavedModel.read(teacher.resolve("model"));
    // spread over 2 layers keeps layer 1, the top one: the student starts from it
    assertEquals(BertConfig.tiny(BertConfig.Pooler.MEAN).hiddenSize(), model.config().hiddenSize());

    JsonNode m = JtuneJson.MAPPER.readTree(student.resolve("metrics.json").toFile());
    JsonNode d = m.get("distillation");
    assertEquals(teacher.toString(), d.get("teacher").asText());
    assertEquals(3.0, d.get("temperature").asDouble());
    assertEquals(0.7, d.get("alpha").asDouble());
    assertEquals(240, d.get("train_labeled").asInt() + d.get("train_labels_held_back").asInt());
    assertTrue(d.get("train_labels_held_back").asInt() >= 110, d.toString());
    assertEquals(60, d.get("unlabeled_texts").asInt());
    assertEquals(2, d.get("unlabeled_blank_skipped").asInt());
    assertTrue(d.get("speedup").asDouble() > 0);
    JsonNode teacherMetrics = JtuneJson.MAPPER.readTree(teacher.resolve("metrics.json").toFile());
    assertEquals(teacherMetrics.at("/test/macro_f1").asDouble(), d.at("/teacher_scores/test/macro_f1").asDouble(), 1e-6,
        "the teacher scored on the same test split gives its own recorded test score");
    assertTrue(m.at("/test/macro_f1").asDouble() > 0.8, m.at("/test").toString());
    JsonNode prov = JtuneJson.MAPPER.readTree(student.resolve("provenance.json").toFile());
    assertEquals(teacher.toString(), prov.at("/teacher/dir").asText());
    assertEquals("[1]", prov.at("/encoder/teacher_layers").toString());
    String report = Files.readString(student.resolve("report.md"));
    assertTrue(report.contains("## Distillation"), report);
    assertTrue(TrainingConfig.read(student.resolve("config.json")).distillation().on());
    assertTrue(t.config().numHiddenLayers() == 2);
  }

  @Test
  void aSecondStudentOnTheSameTextsReadsTheTeachersLogitsFromTheCache() throws Exception {
    Path first = dir.resolve("runs").resolve("s1"), second = dir.resolve("runs").resolve("s2");
    for (Path out : new Path[] {first, second}) {
      assertEquals(0, Main.run("distill", "--teacher", teacher.toString(), "--student", encoder.toString(), "--data", data.toString(),
          "--out", out.toString(), "--epochs", "1", "--max-seq-len", "32", "--no-progress", "--no-baseline"));
    }
    JsonNode a = JtuneJson.MAPPER.readTree(first.resolve("metrics.json").toFile()).get("distillation");
    JsonNode b = JtuneJson.MAPPER.readTree(second.resolve("metrics.json").toFile()).get("distillation");
    assertFalse(b.get("teacher_logits_seconds").isNull());
    assertTrue(b.get("teacher_logits_cached").asBoolean(), b.toString());
    assertEquals(a.at("/teacher_scores/test"), b.at("/teacher_scores/test"));
  }

  @Test
  void aDistillWithoutAStudentOrWithAMismatchedTeacherIsAClearError() throws Exception {
    String err = stderrOf("distill", "--teacher", teacher.toString(), "--data", data.toString(), "--out", dir.resolve("x").toString());
    assertTrue(err.contains("needs one student"), err);
    Path other = dir.resolve("other");
    Files.createDirectories(other);
    for (String f : new String[] {"train.csv", "val.csv", "test.csv", "prepare-report.json"}) Files.copy(data.resolve(f), other.resolve(f));
    Files.writeString(other.resolve("labels.txt"), "marked\nplain\n");
    err = stderrOf("distill", "--teacher", teacher.toString(), "--student", encoder.toString(), "--data", other.toString(),
        "--out", dir.resolve("y").toString(), "--max-seq-len", "32", "--no-progress");
    assertTrue(err.contains("its labels [plain, marked] differ"), err);
    assertFalse(Files.exists(dir.resolve("y").resolve("metrics.json")));
  }

  private static String stderrOf(String... args) {
    PrintStream saved = System.err;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
    try {
      assertEquals(Main.EXIT_USER_ERROR, Main.run(args));
    } finally {
      System.setErr(saved);
    }
    return buf.toString(StandardCharsets.UTF_8);
  }
}
