package dev.jtune.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The REST API of a real server on a free loopback port, called with java.net.http. */
class TfServingServerTest {
  @TempDir static Path base;
  static TfServingServer server;
  static final HttpClient HTTP = HttpClient.newHttpClient();

  record Reply(int status, JsonNode json, String raw) {}

  @BeforeAll
  static void start() throws IOException {
    ServingFixtures.genericModel(base, "generic", 1);
    ServingFixtures.textClassifier(base, "spam", 3, 7);
    ServingFixtures.functionCallModel(base, "tf2style", 5);
    server = TfServingServer.start(ServeConfig.defaults(base).withPort(0).withMaxBodyBytes(64 * 1024).withPollInterval(Duration.ZERO));
  }

  @AfterAll
  static void stop() {
    if (server != null) server.close();
  }

  static Reply get(String path) throws Exception {
    var resp = HTTP.send(HttpRequest.newBuilder(uri(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    return reply(resp);
  }

  static Reply post(String path, String body) throws Exception {
    var req = HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json").build();
    return reply(HTTP.send(req, HttpResponse.BodyHandlers.ofString()));
  }

  private static Reply reply(HttpResponse<String> resp) throws IOException {
    JsonNode json = null;
    if (resp.headers().firstValue("Content-Type").orElse("").startsWith("application/json")) {
      json = TfServingJson.MAPPER.readTree(resp.body());
    }
    return new Reply(resp.statusCode(), json, resp.body());
  }

  private static URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.port() + path);
  }

  static JsonNode json(String s) throws IOException {
    return TfServingJson.MAPPER.readTree(s);
  }

  @Test
  void statusListsTheServedVersionAsAvailable() throws Exception {
    Reply r = get("/v1/models/spam");
    assertEquals(200, r.status());
    assertEquals(
        json("{\"model_version_status\":[{\"version\":\"3\",\"state\":\"AVAILABLE\",\"status\":{\"error_code\":\"OK\",\"error_message\":\"\"}}]}"),
        r.json());
    assertEquals(200, get("/v1/models/spam/versions/3").status());
  }

  @Test
  void metadataDescribesEverySignatureAsTfServingDoes() throws Exception {
    Reply r = get("/v1/models/generic/metadata");
    assertEquals(200, r.status());
    assertEquals(json("{\"name\":\"generic\",\"signature_name\":\"\",\"version\":\"1\"}"), r.json().get("model_spec"));
    JsonNode defs = r.json().at("/metadata/signature_def/signature_def");
    assertTrue(defs.has("serving_default") && defs.has("scale"), defs.toString());
    JsonNode x = defs.at("/serving_default/inputs/x");
    assertEquals("DT_FLOAT", x.get("dtype").asText());
    assertEquals(json("{\"dim\":[{\"size\":\"-1\",\"name\":\"\"},{\"size\":\"3\",\"name\":\"\"}],\"unknown_rank\":false}"), x.get("tensor_shape"));
    assertEquals("DT_INT32", defs.at("/serving_default/inputs/k/dtype").asText());
    assertEquals("tensorflow/serving/predict", defs.at("/scale/method_name").asText());
    assertEquals("DT_FLOAT", defs.at("/serving_default/outputs/s/dtype").asText());
  }

  @Test
  void predictRowFormatWithSeveralOutputsGivesOneObjectPerInstance() throws Exception {
    Reply r = post("/v1/models/generic:predict", "{\"instances\":[{\"x\":[1,2,3],\"k\":1},{\"x\":[0,0.5,0],\"k\":-2}]}");
    assertEquals(200, r.status(), r.raw());
    assertEquals(json("{\"predictions\":[{\"s\":7.0,\"y\":[3.0,5.0,7.0]},{\"s\":-1.5,\"y\":[1.0,2.0,1.0]}]}"), r.json());
  }

  @Test
  void predictColumnarFormatWithSeveralOutputsGivesAnObjectOfTensors() throws Exception {
    Reply r = post("/v1/models/generic/versions/1:predict", "{\"inputs\":{\"x\":[[1,2,3],[0,0,1]],\"k\":[1,0]}}");
    assertEquals(200, r.status(), r.raw());
    assertEquals(json("{\"outputs\":{\"s\":[7.0,1.0],\"y\":[[3.0,5.0,7.0],[1.0,1.0,3.0]]}}"), r.json());
  }

  @Test
  void signatureNameSelectsASignatureAndOneOutputDropsItsName() throws Exception {
    Reply rows = post("/v1/models/generic:predict", "{\"signature_name\":\"scale\",\"instances\":[[1,2,3],[4,5,6]]}");
    assertEquals(json("{\"predictions\":[[1.0,2.0,3.0],[4.0,5.0,6.0]]}"), rows.json(), rows.raw());
    Reply cols = post("/v1/models/generic:predict", "{\"signature_name\":\"scale\",\"inputs\":[[1,2,3]]}");
    assertEquals(json("{\"outputs\":[[1.0,2.0,3.0]]}"), cols.json(), cols.raw());
    Reply unknown = post("/v1/models/generic:predict", "{\"signature_name\":\"nope\",\"instances\":[[1,2,3]]}");
    assertEquals(400, unknown.status());
    assertTrue(unknown.json().get("error").asText().contains("nope"));
  }

  @Test
  void classifyTokenizesTextServerSideAndEqualsTheSavedModelOnTheSameTokens() throws Exception {
    List<String> texts = List.of("win free money now !", "please review the attached project report");
    Reply r = post("/v1/models/spam:classify", "{\"examples\":[{\"text\":\"" + texts.get(0) + "\"},{\"text\":\"" + texts.get(1) + "\"}]}");
    assertEquals(200, r.status(), r.raw());
    JsonNode results = r.json().get("results");
    assertEquals(2, results.size());
    try (var lease = server.models().acquire("spam", OptionalLong.empty())) {
      ServableVersion v = lease.version();
      ClassifierAssets a = v.classifier().orElseThrow();
      for (int i = 0; i < texts.size(); i++) {
        var direct = v.run("serving_default", ClassifierAssets.inputs(a.batch(List.of(a.encode(texts.get(i)))))).get("probabilities").floats();
        JsonNode row = results.get(i);
        assertEquals("ham", row.get(0).get(0).asText());
        assertEquals("spam", row.get(1).get(0).asText());
        assertEquals(direct[0], row.get(0).get(1).floatValue(), 1e-6);
        assertEquals(direct[1], row.get(1).get(1).floatValue(), 1e-6);
      }
    }
  }

  @Test
  void predictOnTokenIdsEqualsClassifyOnTheSameText() throws Exception {
    ClassifierAssets a = server.models().current("spam").orElseThrow().classifier().orElseThrow();
    int[] ids = a.encode("click here for cash");
    StringBuilder idJson = new StringBuilder("[");
    StringBuilder ones = new StringBuilder("[");
    StringBuilder zeros = new StringBuilder("[");
    for (int i = 0; i < ids.length; i++) {
      String sep = i == 0 ? "" : ",";
      idJson.append(sep).append(ids[i]);
      ones.append(sep).append(1);
      zeros.append(sep).append(0);
    }
    String inst = "{\"input_word_ids\":" + idJson + "],\"input_mask\":" + ones + "],\"input_type_ids\":" + zeros + "]}";
    Reply p = post("/v1/models/spam:predict", "{\"instances\":[" + inst + "]}");
    Reply c = post("/v1/models/spam:classify", "{\"examples\":[{\"text\":\"click here for cash\"}]}");
    assertEquals(200, p.status(), p.raw());
    JsonNode probs = p.json().at("/predictions/0/probabilities");
    assertEquals(c.json().at("/results/0/0/1").floatValue(), probs.get(0).floatValue(), 1e-6);
    assertEquals(c.json().at("/results/0/1/1").floatValue(), probs.get(1).floatValue(), 1e-6);
  }

  @Test
  void classifyAndRegressFeedTfExamplesToSignaturesOfOtherModels() throws Exception {
    Reply c = post("/v1/models/generic:classify", "{\"signature_name\":\"classify_f\",\"examples\":[{\"f\":[1.0,2.0]},{\"f\":[0.5,0.5]}]}");
    assertEquals(200, c.status(), c.raw());
    double e = Math.exp(1.0);
    assertEquals("neg", c.json().at("/results/0/0/0").asText());
    assertEquals("pos", c.json().at("/results/0/1/0").asText());
    assertEquals(1 / (1 + e), c.json().at("/results/0/0/1").asDouble(), 1e-6);
    assertEquals(e / (1 + e), c.json().at("/results/0/1/1").asDouble(), 1e-6);
    assertEquals(0.5, c.json().at("/results/1/1/1").asDouble(), 1e-6);
    Reply r = post("/v1/models/generic:regress", "{\"signature_name\":\"regress_f\",\"examples\":[{\"f\":[1.0,2.0]},{\"f\":[-1.0,0.25]}]}");
    assertEquals(json("{\"results\":[3.0,-0.75]}"), r.json(), r.raw());
    Reply wrong = post("/v1/models/generic:classify", "{\"signature_name\":\"scale\",\"examples\":[{\"f\":[1.0,2.0]}]}");
    assertEquals(400, wrong.status(), wrong.raw());
  }

  @Test
  void aModelWhoseSignatureRunsAGraphFunctionIsServedThroughItsSignature() throws Exception {
    Reply meta = get("/v1/models/tf2style/metadata");
    assertEquals("serving_default_x:0", meta.json().at("/metadata/signature_def/signature_def/serving_default/inputs/x/name").asText());
    Reply r = post("/v1/models/tf2style:predict", "{\"instances\":[[1,2],[0,-1]]}");
    assertEquals(json("{\"predictions\":[[4.0,7.0],[1.0,-2.0]]}"), r.json(), r.raw());
  }

  @Test
  void unknownModelOrVersionIs404() throws Exception {
    Reply m = get("/v1/models/nope");
    assertEquals(404, m.status());
    assertEquals("Servable not found for request: Latest(nope)", m.json().get("error").asText());
    Reply v = post("/v1/models/generic/versions/9:predict", "{\"instances\":[[1,2,3]]}");
    assertEquals(404, v.status());
    assertEquals("Servable not found for request: Specific(generic, 9)", v.json().get("error").asText());
    assertEquals(404, get("/v1/nothing-here").status());
  }

  @Test
  void badRequestsAre400WithAnErrorMessage() throws Exception {
    for (String body :
        List.of(
            "{\"instances\": [[1,2,3]",
            "{\"instances\":[{\"x\":[\"a\",\"b\",\"c\"],\"k\":1}]}",
            "{\"instances\":[{\"x\":[1,2,3],\"k\":1.5}]}",
            "{\"instances\":[{\"x\":[1,2,3],\"k\":1}],\"inputs\":{\"x\":[[1,2,3]],\"k\":[1]}}",
            "{\"signature_name\":\"serving_default\"}",
            "{\"inputs\":{\"x\":[[1,2],[3]],\"k\":[1,2]}}",
            "{\"instances\":[{\"x\":[1,2,3]}]}")) {
      Reply r = post("/v1/models/generic:predict", body);
      assertEquals(400, r.status(), body + " -> " + r.raw());
      assertTrue(r.json().get("error").asText().length() > 5, r.raw());
    }
    Reply both = post("/v1/models/generic:predict", "{\"instances\":[[1,2,3]],\"inputs\":[[1,2,3]]}");
    assertEquals("Not formatted correctly expecting only one of 'inputs' or 'instances' keys exists", both.json().get("error").asText());
    // a shape the graph refuses (a [1,2] row times a [3,1] kernel) is the runtime's 400
    Reply shape = post("/v1/models/generic:predict", "{\"signature_name\":\"project\",\"instances\":[[1,2]]}");
    assertEquals(400, shape.status(), shape.raw());
  }

  @Test
  void oversizedBodyIs413() throws Exception {
    String big = "{\"instances\":[" + "[1,2,3],".repeat(20_000) + "[1,2,3]]}";
    Reply r = post("/v1/models/generic:predict", big);
    assertEquals(413, r.status(), r.raw());
    assertTrue(r.json().get("error").asText().contains("exceeds the limit"));
    // without a Content-Length (chunked), the limit is enforced while reading; a body far larger
    // than the socket buffers is still being sent when the answer is ready, and the client must
    // still get to read that answer (repeated: a reset connection shows up only sometimes)
    byte[] huge = ("{\"instances\":[" + "[1,2,3],".repeat(500_000) + "[1,2,3]]}").getBytes();
    for (int i = 0; i < 5; i++) {
      var chunked =
          HttpRequest.newBuilder(uri("/v1/models/generic:predict"))
              .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(huge)))
              .build();
      Reply c = reply(HTTP.send(chunked, HttpResponse.BodyHandlers.ofString()));
      assertEquals(413, c.status(), c.raw());
      Reply declared = post("/v1/models/generic:predict", new String(huge));
      assertEquals(413, declared.status(), declared.raw());
    }
  }

  @Test
  void healthzAndPrometheusMetrics() throws Exception {
    assertEquals(200, get("/healthz").status());
    post("/v1/models/generic:predict", "{\"signature_name\":\"scale\",\"instances\":[[1,2,3]]}");
    get("/v1/models/nope");
    Reply m = get("/metrics");
    assertEquals(200, m.status());
    assertTrue(m.raw().contains("jtune_requests_total{api=\"predict\",code=\"200\",model=\"generic\"}"), m.raw());
    // a model that is not loaded is counted under 'unknown': clients cannot mint label values
    assertTrue(m.raw().contains("jtune_request_errors_total{api=\"status\",code=\"404\",model=\"unknown\"}"), m.raw());
    assertTrue(!m.raw().contains("nope"), m.raw());
    assertTrue(m.raw().contains("jtune_request_latency_seconds_bucket"), m.raw());
    assertTrue(m.raw().contains("jtune_batch_size_count{model=\"generic\"}"), m.raw());
    assertTrue(m.raw().contains("jtune_model_version{model=\"spam\"} 3"), m.raw());
  }

  @Test
  void aTakenPortOrMissingModelBaseIsAUserError() {
    var taken = ServeConfig.defaults(base).withPort(server.port()).withPollInterval(Duration.ZERO);
    var e = org.junit.jupiter.api.Assertions.assertThrows(dev.jtune.JtuneException.class, () -> TfServingServer.start(taken));
    assertTrue(e.getMessage().contains("cannot listen on 127.0.0.1:" + server.port()), e.getMessage());
    assertEquals(2, dev.jtune.cli.Main.run("serve", "--model-base", base.resolve("missing").toString(), "--port", "0"));
  }

  @Test
  void nanAndInfinityAreAcceptedAndWrittenBare() throws Exception {
    Reply r = post("/v1/models/generic:predict", "{\"signature_name\":\"scale\",\"instances\":[[NaN,Infinity,1]]}");
    assertEquals(200, r.status(), r.raw());
    assertEquals("{\"predictions\":[[NaN,Infinity,1.0]]}", r.raw());
  }
}
