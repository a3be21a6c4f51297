package dev.jtune.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.InputStream;
import java.io.Reader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real data end to end: every real SpamAssassin test mail (make datasets) is scored by jtune score
 * and the server's :classify answers equal the score file. The model is the fine-tuned classifier
 * of make train when it exists (then its accuracy is checked too), otherwise the test classifier
 * over the real all-MiniLM-L6-v2 tokenizer.
 */
@Tag("real")
class RealServingTest {
  static final Path TRAINED_RUN = Path.of("runs", "all-minilm-l6-v2-spamassassin");
  static final Path SPAM_TEST = Path.of("datasets", "spamassassin", "test.csv");
  static final int SERVED = 48;

  @Test
  void everyRealTestMailIsScoredAndServedAnswersEqualTheScoreFile(@TempDir Path tmp) throws Exception {
    assumeFalse("false".equals(System.getProperty("jtune.test.real")), "real-data tests switched off");
    assertTrue(Files.isRegularFile(SPAM_TEST), SPAM_TEST + " missing: run `make datasets` first");
    Path base = tmp.resolve("exports");
    boolean trained = Files.isRegularFile(TRAINED_RUN.resolve("model/saved_model.pb"));
    if (trained) {
      layOutRunModel(TRAINED_RUN.resolve("model"), base.resolve("spam/1"));
    } else {
      String tokenizer;
      try (InputStream in = RealServingTest.class.getResourceAsStream("/all-minilm-l6-v2-tokenizer.json")) {
        assertNotNull(in, "all-minilm-l6-v2-tokenizer.json on the test classpath");
        tokenizer = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      ServingFixtures.textClassifier(base, "spam", 1, 17, tokenizer, 30522);
    }

    long records;
    try (Reader r = Files.newBufferedReader(SPAM_TEST)) {
      records = CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).get().parse(r).stream().count();
    }
    Path out = tmp.resolve("pred/test.csv");
    ScoreReport report = new BatchScorer(ScoreConfig.of(base.resolve("spam"), SPAM_TEST, out)).run();
    assertEquals(records, report.rows(), "every record read");
    assertEquals(report.rows(), report.scored() + report.rejectedTotal(), "nothing dropped");
    List<CSVRecord> scored;
    try (Reader r = Files.newBufferedReader(out)) {
      scored = CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).get().parse(r).getRecords();
    }
    assertEquals(report.scored(), scored.size());
    if (trained) {
      long correct = scored.stream().filter(r -> r.get("label").equals(r.get("predicted_label"))).count();
      assertTrue(correct > 0.85 * scored.size(), "fine-tuned accuracy on real test mail: " + correct + "/" + scored.size());
    }

    try (TfServingServer server = TfServingServer.start(ServeConfig.defaults(base).withPort(0).withPollInterval(Duration.ZERO))) {
      ObjectNode body = TfServingJson.MAPPER.createObjectNode();
      var examples = body.putArray("examples");
      for (CSVRecord r : scored.subList(0, SERVED)) examples.addObject().put("text", r.get("text"));
      HttpResponse<String> resp =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/v1/models/spam:classify"))
                      .POST(HttpRequest.BodyPublishers.ofByteArray(TfServingJson.bytes(body)))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertEquals(200, resp.statusCode(), resp.body());
      JsonNode results = TfServingJson.MAPPER.readTree(resp.body()).get("results");
      List<String> labels = List.of("ham", "spam");
      for (int i = 0; i < SERVED; i++) {
        for (int k = 0; k < labels.size(); k++) {
          assertEquals(labels.get(k), results.get(i).get(k).get(0).asText());
          // served as one padded batch vs length-sorted batches offline: same math, float rounding apart
          assertEquals(Float.parseFloat(scored.get(i).get("prob_" + labels.get(k))), results.get(i).get(k).get(1).floatValue(), 1e-4);
        }
      }
    }
  }

  /** A run's model/ SavedModel as a TF Serving version: assets/ become assets.extra/. */
  private static void layOutRunModel(Path model, Path version) throws Exception {
    Files.createDirectories(version.resolve("variables"));
    Files.createDirectories(version.resolve("assets.extra"));
    Files.copy(model.resolve("saved_model.pb"), version.resolve("saved_model.pb"));
    try (Stream<Path> vars = Files.list(model.resolve("variables"))) {
      for (Path v : vars.toList()) Files.copy(v, version.resolve("variables").resolve(v.getFileName()));
    }
    for (String f : List.of("tokenizer.json", "labels.txt", "classifier.json")) {
      Files.copy(model.resolve("assets").resolve(f), version.resolve("assets.extra").resolve(f));
    }
  }
}
