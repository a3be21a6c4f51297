package dev.jtune.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jtune.cli.Main;
import dev.jtune.io.CliRun;
import dev.jtune.io.UserFiles;
import java.io.Reader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Batch scoring: output shape and order, rejects with reasons, parity with the model and the server. */
class BatchScorerTest {
  @TempDir static Path dir;
  static Path base;

  @BeforeAll
  static void model() throws Exception {
    base = dir.resolve("exports");
    ServingFixtures.textClassifier(base, "spam", 1, 3);
    ServingFixtures.textClassifier(base, "spam", 2, 5);
  }

  static List<CSVRecord> read(Path csv) throws Exception {
    try (Reader r = Files.newBufferedReader(csv)) {
      return CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).get().parse(r).getRecords();
    }
  }

  @Test
  void scoresEveryRowInOrderAndRejectsUnscorableRowsWithTheirReason() throws Exception {
    Path in = dir.resolve("in.csv");
    Files.writeString(
        in,
        String.join(
            "\n",
            "id,text,label",
            "1,win free money now,spam",
            "2,\"meeting tomorrow, please review\nthe attached report\",ham",
            "3,,ham",
            "4,\"broken \"quote\" here\",ham",
            "5,too,many,fields",
            "6,\"hello team\",ham",
            "",
            "7,click here,spam")
            + "\n");
    Path out = dir.resolve("pred/out.csv");
    ScoreReport report = new BatchScorer(ScoreConfig.of(base.resolve("spam"), in, out).withBatchSize(2)).run();
    assertEquals(7, report.rows());
    assertEquals(4, report.scored());
    assertEquals(Map.of("empty text", 1L, "broken quoting", 1L, "wrong number of fields", 1L), report.rejected());

    List<String> header;
    try (Reader r = Files.newBufferedReader(out)) {
      header = CSVFormat.RFC4180.builder().setHeader().get().parse(r).getHeaderNames();
    }
    assertEquals(List.of("id", "text", "label", "predicted_label", "predicted_score", "prob_ham", "prob_spam"), header);
    List<CSVRecord> rows = read(out);
    assertEquals(List.of("1", "2", "6", "7"), rows.stream().map(r -> r.get("id")).toList());
    assertEquals("meeting tomorrow, please review\nthe attached report", rows.get(1).get("text"));

    // each row equals a direct call of the SavedModel (newest version = 2) on that text alone
    try (var version = new Closing(ServableVersion.load("spam", 2, base.resolve("spam/2"), 0))) {
      ClassifierAssets a = version.v.classifier().orElseThrow();
      for (CSVRecord r : rows) {
        float[] p = version.v.run("serving_default", ClassifierAssets.inputs(a.batch(List.of(a.encode(r.get("text")))))).get("probabilities").floats();
        assertEquals(p[0], Float.parseFloat(r.get("prob_ham")), 1e-6);
        assertEquals(p[1], Float.parseFloat(r.get("prob_spam")), 1e-6);
        String best = p[1] > p[0] ? "spam" : "ham";
        assertEquals(best, r.get("predicted_label"));
        assertEquals(Math.max(p[0], p[1]), Float.parseFloat(r.get("predicted_score")), 1e-6);
      }
    }

    List<CSVRecord> rejects = read(report.rejects());
    assertEquals(List.of("5", "6", "7"), rejects.stream().map(r -> r.get("line")).toList());
    assertEquals("empty text", rejects.get(0).get("reason"));
    assertTrue(rejects.get(1).get("reason").startsWith("broken quoting"), rejects.get(1).get("reason"));
    assertEquals("expected 3 fields, found 4", rejects.get(2).get("reason"));
    assertEquals("5,too,many,fields", rejects.get(2).get("record"));
    try (Stream<Path> files = Files.list(out.getParent())) {
      assertEquals(List.of(".out.csv.jtune-manifest.json", ".out.rejects.csv.jtune-manifest.json", "out.csv", "out.rejects.csv"),
          files.map(p -> p.getFileName().toString()).sorted().toList(), "the outputs and their records, no temp files left");
    }
  }

  @Test
  void anUnterminatedQuoteRejectsOneLineAndScoringGoesOn() throws Exception {
    Path in = dir.resolve("unterminated.csv");
    Files.writeString(in, "text\nhello\n\"never closed\nwin money\nthanks\n");
    Path out = dir.resolve("unterminated-out.csv");
    ScoreReport report = new BatchScorer(ScoreConfig.of(base.resolve("spam/1"), in, out)).run();
    assertEquals(Map.of("unterminated quoted field", 1L), report.rejected());
    assertEquals(List.of("hello", "win money", "thanks"), read(out).stream().map(r -> r.get("text")).toList());
  }

  @Test
  void servedClassifyAnswersEqualTheScoreOutput() throws Exception {
    List<String> texts = List.of("win free cash prize now !", "lunch with the team tomorrow", "please call me", "urgent offer , click here");
    Path in = dir.resolve("parity.csv");
    StringBuilder csv = new StringBuilder("text\n");
    texts.forEach(t -> csv.append('"').append(t).append("\"\n"));
    Files.writeString(in, csv);
    Path out = dir.resolve("parity-out.csv");
    new BatchScorer(ScoreConfig.of(base.resolve("spam"), in, out)).run();
    List<CSVRecord> scored = read(out);
    try (TfServingServer server =
        TfServingServer.start(ServeConfig.defaults(base).withPort(0).withPollInterval(Duration.ZERO))) {
      StringBuilder body = new StringBuilder("{\"examples\":[");
      for (int i = 0; i < texts.size(); i++) body.append(i == 0 ? "" : ",").append("{\"text\":\"").append(texts.get(i)).append("\"}");
      body.append("]}");
      var resp =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/v1/models/spam:classify"))
                      .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertEquals(200, resp.statusCode(), resp.body());
      JsonNode results = TfServingJson.MAPPER.readTree(resp.body()).get("results");
      for (int i = 0; i < texts.size(); i++) {
        assertEquals(Float.parseFloat(scored.get(i).get("prob_ham")), results.get(i).get(0).get(1).floatValue(), 1e-6);
        assertEquals(Float.parseFloat(scored.get(i).get("prob_spam")), results.get(i).get(1).get(1).floatValue(), 1e-6);
      }
    }
  }

  @Test
  void onnxBackendGivesTheSameProbabilitiesAsTheSavedModel() throws Exception {
    Path in = dir.resolve("backends.csv");
    Files.writeString(in, "text\nwin free money now !\n\"the project report is attached , thanks\"\nhello\nurgent : call me now\n");
    Path tfOut = dir.resolve("backend-tf.csv");
    Path onnxOut = dir.resolve("backend-onnx.csv");
    new BatchScorer(ScoreConfig.of(base.resolve("spam"), in, tfOut)).run();
    new BatchScorer(ScoreConfig.of(base.resolve("spam"), in, onnxOut).withBackend(dev.jtune.predict.Backend.ONNX, null)).run();
    List<CSVRecord> tf = read(tfOut);
    List<CSVRecord> onnx = read(onnxOut);
    assertEquals(4, onnx.size());
    for (int i = 0; i < tf.size(); i++) {
      assertEquals(tf.get(i).get("label"), onnx.get(i).get("label"));
      assertEquals(Float.parseFloat(tf.get(i).get("prob_spam")), Float.parseFloat(onnx.get(i).get("prob_spam")), 1e-5);
    }
    assertEquals(
        2,
        Main.run("score", "--model", base.resolve("spam").toString(), "--in", in.toString(), "--out", onnxOut.toString(),
            "--backend", "onnx", "--onnx", dir.resolve("missing.onnx").toString(), "--no-progress"));
  }

  @Test
  void cliScoresAndReportsAUserErrorWithExitCode2() throws Exception {
    Path in = dir.resolve("cli.csv");
    Files.writeString(in, "body\nhello\n");
    Path out = dir.resolve("cli-out.csv");
    assertEquals(2, Main.run("score", "--model", base.resolve("spam").toString(), "--in", in.toString(), "--out", out.toString(), "--no-progress"));
    assertFalse(Files.exists(out), "nothing written on error");
    assertEquals(
        0,
        Main.run("score", "--model", base.resolve("spam").toString(), "--in", in.toString(), "--out", out.toString(),
            "--text-col", "body", "--no-progress"));
    assertEquals(1, read(out).size());
    assertEquals(2, Main.run("score", "--model", dir.resolve("nope").toString(), "--in", in.toString(), "--out", out.toString()));
  }

  // ---- where score and bench serve may write (issue: data loss) --------------------------------

  private static String[] score(Path in, Path out, String... more) {
    List<String> args = new java.util.ArrayList<>(List.of("score", "--model", base.resolve("spam").toString(), "--in", in.toString(),
        "--out", out.toString(), "--no-progress"));
    args.addAll(List.of(more));
    return args.toArray(String[]::new);
  }

  @Test
  void scoreReplacesItsOwnOutputsSoItCanRunAgain() throws Exception {
    Path in = Files.writeString(dir.resolve("again.csv"), "text\nhello\nwin money\n\"\n");
    Path out = dir.resolve("again/pred.csv");
    CliRun.of(score(in, out)).assertOk();
    CliRun.of(score(in, out)).assertOk(); // as `make score` does each time
    assertEquals(2, read(out).size());
    Files.writeString(out, "my edits\n");
    UserFiles edited = UserFiles.existing(out, dir.resolve("again/pred.rejects.csv"));
    CliRun.of(score(in, out)).assertRefused(out + ": was written by jtune but changed since; pass --force to replace it or choose another --out");
    edited.assertUnchanged();
    CliRun.of(score(in, out, "--force")).assertOk();
    assertEquals(2, read(out).size());
    UserFiles.assertNoTemporaries(out.getParent());
  }

  @Test
  void scoreNeverReplacesAFileOrFolderOfTheUsersAndChecksBothOutputsFirst() throws Exception {
    Path in = Files.writeString(dir.resolve("users.csv"), "text\nhello\n");
    Path out = dir.resolve("users/pred.csv");
    UserFiles user = UserFiles.beside(out).and(new UserFiles().put(out, "id,mine\n1,2\n".getBytes()));
    CliRun.of(score(in, out)).assertRefused(out + ": file exists and was not written by jtune (no .pred.csv.jtune-manifest.json beside it); "
        + "choose another --out or remove it yourself");
    CliRun.of(score(in, out, "--force")).assertRefused("was not written by jtune");

    Path fresh = dir.resolve("users/fresh.csv");
    Path rejects = dir.resolve("users/NOTES.md"); // a user file planted beside
    CliRun.of(score(in, fresh, "--rejects", rejects.toString())).assertRefused(rejects + ": file exists and was not written by jtune");
    assertFalse(Files.exists(fresh), "predictions are not written when the rejects file is refused");

    Path folder = dir.resolve("users/folder.csv");
    user.and(UserFiles.inside(folder));
    CliRun.of(score(in, folder)).assertRefused(folder + ": is a folder; --out takes a file path");
    CliRun.of(score(in, in)).assertRefused(in + ": is the input " + in);
    CliRun.of(score(in, base.resolve("spam/pred.csv"))).assertRefused("is inside the input folder " + base.resolve("spam"));
    user.assertUnchanged();
    UserFiles.assertNoTemporaries(out.getParent());
  }

  @Test
  void benchServeChecksItsReportAndScratchFolderBeforeRunning() throws Exception {
    Path in = Files.writeString(dir.resolve("bench-texts.csv"), "text\nhello\n");
    Path json = dir.resolve("bench/serve.json");
    UserFiles user = UserFiles.beside(json).and(new UserFiles().put(json, "{}".getBytes()));
    String model = base.resolve("spam").toString();
    CliRun.of("bench", "serve", "--model", model, "--data", in.toString(), "--out", json.toString(), "--force")
        .assertRefused(json + ": file exists and was not written by jtune");
    CliRun.of("bench", "serve", "--model", model, "--data", in.toString(), "--work-dir", base.resolve("spam/scratch").toString())
        .assertRefused("is inside the input folder " + base.resolve("spam"));
    user.assertUnchanged();
    assertFalse(Files.exists(base.resolve("spam/scratch")));
  }

  /** Retires a version at the end of a try block. */
  private record Closing(ServableVersion v) implements AutoCloseable {
    @Override
    public void close() {
      v.retire();
    }
  }
}
