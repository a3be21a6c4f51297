package dev.jtune.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.proto.Example;
import org.tensorflow.proto.Feature;
import org.tensorflow.proto.Features;
import org.tensorflow.proto.FloatList;

/**
 * The server against TF Serving's own documents: the examples of tensorflow_serving/g3doc/api_rest.md
 * and of http_rest_api_handler_test.cc, sent to Java-built twins of the models they use
 * ({@link HalfPlusModels}), must give the answers those documents give.
 */
class TfServingConformanceTest {
  @TempDir static Path base;
  static TfServingServer server;
  static final HttpClient HTTP = HttpClient.newHttpClient();

  record Reply(int status, JsonNode json, String raw) {}

  @BeforeAll
  static void start() throws IOException {
    HalfPlusModels.tf1(base, "half_plus_two", 123, 2f);
    HalfPlusModels.tf1(base, "saved_model_half_plus_three", 123, 3f);
    HalfPlusModels.tf2(base, "half_plus_two_tf2", 123);
    ServingFixtures.genericModel(base, "generic", 1);
    server = TfServingServer.start(ServeConfig.defaults(base).withPort(0).withPollInterval(Duration.ZERO));
  }

  @AfterAll
  static void stop() {
    if (server != null) server.close();
  }

  static Reply get(String path) throws Exception {
    return reply(HTTP.send(HttpRequest.newBuilder(uri(path)).GET().build(), HttpResponse.BodyHandlers.ofString()));
  }

  static Reply post(String path, String body) throws Exception {
    var req = HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.ofString(body)).build();
    return reply(HTTP.send(req, HttpResponse.BodyHandlers.ofString()));
  }

  private static Reply reply(HttpResponse<String> resp) throws IOException {
    JsonNode json = null;
    if (resp.headers().firstValue("Content-Type").orElse("").startsWith("application/json")) json = json(resp.body());
    return new Reply(resp.statusCode(), json, resp.body());
  }

  private static URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.port() + path);
  }

  static JsonNode json(String s) throws IOException {
    return TfServingJson.MAPPER.readTree(s);
  }

  /** Status and body; numbers compare by value, as TF Serving's CompareJson does (42 equals 42.0). */
  static void assertReply(int status, String expectedJson, Reply r) throws IOException {
    assertEquals(status, r.status(), r.raw());
    Comparator<JsonNode> numeric =
        (a, b) -> a.isNumber() && b.isNumber() ? Double.compare(a.doubleValue(), b.doubleValue()) : a.equals(b) ? 0 : 1;
    assertTrue(r.json() != null && json(expectedJson).equals(numeric, r.json()), "expected " + expectedJson + " but got " + r.raw());
  }

  static String b64Example(float x) {
    Example e =
        Example.newBuilder()
            .setFeatures(Features.newBuilder().putFeature("x", Feature.newBuilder().setFloatList(FloatList.newBuilder().addValue(x)).build()))
            .build();
    return Base64.getEncoder().encodeToString(e.toByteArray());
  }

  // ------------------------------------------------------------------ finding 7: shapes are the graph's

  @Test
  void predictBuildsTheTensorFromTheJsonAndLetsTheGraphDecideItsShape() throws Exception {
    // TF Serving's README: three instances to half_plus_two, whose x is declared [-1, 1]
    assertReply(200, "{\"predictions\": [2.5, 3.0, 4.5]}", post("/v1/models/half_plus_two:predict", "{\"instances\": [1.0, 2.0, 5.0]}"));
    // http_rest_api_handler_test.cc, Predict
    assertReply(200, "{\"predictions\": [[2.5, 3.0], [3.5, 4.0]]}", post("/v1/models/half_plus_two:predict", "{\"instances\": [[1.0, 2.0], [3.0, 4.0]]}"));
    assertReply(200, "{\"predictions\": [2.5, 3.0]}", post("/v1/models/half_plus_two/versions/123:predict", "{\"instances\": [1.0, 2.0]}"));
    assertReply(
        200, "{\"predictions\": [3.5, 4.0]}",
        post("/v1/models/half_plus_two/versions/123:predict", "{\"signature_name\": \"serving_default\", \"instances\": [3.0, 4.0]}"));
    assertReply(
        200, "{\"outputs\": [3.5, 4.0]}",
        post("/v1/models/half_plus_two/versions/123:predict", "{\"signature_name\": \"serving_default\", \"inputs\": [3.0, 4.0]}"));
    // api_rest.md's example model, whose x has no declared shape at all
    assertReply(200, "{\"predictions\": [3.5, 4.0, 5.5]}", post("/v1/models/saved_model_half_plus_three:predict", "{\"instances\": [1.0,2.0,5.0]}"));
  }

  @Test
  void aDeclaredShapeOfOneDoesNotLimitTheRequestToOneInstance() throws Exception {
    // tf.saved_model.save declares x as [1] (the tf.function's input_signature); the graph broadcasts
    assertReply(200, "{\"predictions\": [2.5, 3.0, 4.5]}", post("/v1/models/half_plus_two_tf2:predict", "{\"instances\": [1.0, 2.0, 5.0]}"));
    assertReply(200, "{\"outputs\": [[2.5], [3.0]]}", post("/v1/models/half_plus_two_tf2:predict", "{\"inputs\": [[1.0], [2.0]]}"));
  }

  @Test
  void aShapeTheGraphRejectsIs400WithTheRuntimesMessageAndNothingOfTheServer() throws Exception {
    // x is declared [-1, 3] and scaled elementwise: [1, 2] is fine for that graph ...
    assertReply(200, "{\"predictions\": [[1.0, 2.0]]}", post("/v1/models/generic:predict", "{\"signature_name\":\"scale\",\"instances\":[[1,2]]}"));
    // ... but not for a MatMul with a [3, 1] kernel, which the runtime refuses
    Reply r = post("/v1/models/generic:predict", "{\"signature_name\":\"project\",\"instances\":[[1,2]]}");
    assertEquals(400, r.status(), r.raw());
    String error = r.json().get("error").asText();
    assertTrue(error.contains("Matrix size-incompatible") && error.contains("[1,2]"), error);
    assertFalse(error.contains(base.toString()) || error.contains("\tat ") || error.contains("Exception"), error);
    assertEquals(1, r.json().size(), r.raw());
    assertReply(200, "{\"predictions\": [[14.0]]}", post("/v1/models/generic:predict", "{\"signature_name\":\"project\",\"instances\":[[1,2,3]]}"));
  }

  @Test
  void whatTfServingRefusesBeforeRunningIs400() throws Exception {
    String path = "/v1/models/half_plus_two:predict";
    // http_rest_api_handler_test.cc, PredictRequestErrors
    assertTrue(errorOf(400, post(path, "{ \"instances\": [\"x\", \"y\"] }")).contains("not of expected type: float"));
    assertTrue(errorOf(400, post(path, "{ \"signature_name\": 100 }")).contains("'signature_name' key must be a string value."));
    assertTrue(errorOf(400, post(path, "instances = [1, 2]")).startsWith("JSON Parse error"));
    assertTrue(errorOf(400, post(path, "")).startsWith("JSON Parse error"));
    // json_tensor.cc: ragged lists, mixed instances, both keys, names not in the signature
    assertTrue(errorOf(400, post(path, "{\"instances\": [[1.0, 2.0], [3.0]]}")).contains("Expecting shape"));
    assertTrue(errorOf(400, post(path, "{\"inputs\": [[1.0, 2.0], [3.0]]}")).contains("unexpected size"));
    assertTrue(errorOf(400, post(path, "{\"inputs\": [[1.0, 2.0], 3.0]}")).contains("incorrect level"));
    assertTrue(errorOf(400, post(path, "{\"instances\": [{\"x\": 1.0}, 2.0]}")).contains("Expecting object but got list"));
    assertTrue(errorOf(400, post(path, "{\"instances\": [1.0], \"inputs\": [1.0]}")).contains("only one of 'inputs' or 'instances'"));
    assertTrue(errorOf(400, post(path, "{\"instances\": [{\"x\": 1.0, \"z\": 2.0}]}")).contains("does not have named input: z"));
    assertTrue(errorOf(400, post(path, "{\"instances\": []}")).contains("No values in 'instances'"));
    assertTrue(errorOf(400, post("/v1/models/generic:predict", "{\"instances\": [[1.0, 2.0, 3.0]]}")).contains("plain list"));
    assertTrue(errorOf(400, post("/v1/models/generic:predict", "{\"inputs\": {\"x\": [[1, 2, 3]]}}")).contains("Missing named input: k"));
    assertTrue(errorOf(400, post("/v1/models/generic:predict", "{\"inputs\": {\"x\": [[1, 2, 3]], \"k\": [1.5]}}")).contains("not of expected type: int32"));
  }

  private static String errorOf(int status, Reply r) {
    assertEquals(status, r.status(), r.raw());
    assertEquals(1, r.json().size(), r.raw());
    return r.json().get("error").asText();
  }

  // ------------------------------------------------------------------ finding 8: tf.Example models

  @Test
  void halfPlusThreeLoadsAndAnswersTheDocumentedRegressCall() throws Exception {
    assertReply(
        200, "{\"model_version_status\":[{\"version\":\"123\",\"state\":\"AVAILABLE\",\"status\":{\"error_code\":\"OK\",\"error_message\":\"\"}}]}",
        get("/v1/models/saved_model_half_plus_three"));
    // api_rest.md: regress is on a non-default signature, named after the method
    assertReply(
        200, "{\"results\": [3.5, 4.0]}",
        post("/v1/models/saved_model_half_plus_three:regress", "{\"signature_name\": \"tensorflow/serving/regress\", \"examples\": [{\"x\": 1.0}, {\"x\": 2.0}]}"));
    Set<String> sigs = signatures("saved_model_half_plus_three");
    assertEquals(Set.of("serving_default", "tensorflow/serving/regress"), sigs);
    // its regress signature declares DT_FLOAT for a DT_STRING placeholder: predict on it fails in
    // the runtime, as in TF Serving, and the model keeps serving
    Reply bad = post("/v1/models/saved_model_half_plus_three:predict", "{\"signature_name\": \"tensorflow/serving/regress\", \"instances\": [1.0]}");
    assertEquals(400, bad.status(), bad.raw());
    assertReply(200, "{\"predictions\": [3.5]}", post("/v1/models/saved_model_half_plus_three:predict", "{\"instances\": [1.0]}"));
  }

  @Test
  void tf1EstimatorSignaturesAnswerAsTheHandlerTestSays() throws Exception {
    // http_rest_api_handler_test.cc, Regress and Classify
    String regress = "{\"signature_name\": \"regress_x_to_y\", \"examples\": [ { \"x\": 80.0 } ] }";
    assertReply(200, "{ \"results\": [42] }", post("/v1/models/half_plus_two:regress", regress));
    assertReply(200, "{ \"results\": [42] }", post("/v1/models/half_plus_two/versions/123:regress", regress));
    assertReply(200, "{ \"results\": [[[\"\", 12]]] }", post("/v1/models/half_plus_two:classify", "{\"signature_name\": \"classify_x_to_y\", \"examples\": [ { \"x\": 20.0 } ] }"));
    assertReply(200, "{ \"results\": [[[\"\", 7]]] }", post("/v1/models/half_plus_two:classify", "{\"signature_name\": \"classify_x_to_y\", \"examples\": [ { \"x\": 10.0 } ] }"));
    assertReply(200, "{\"results\": [5.0]}", post("/v1/models/half_plus_two:regress", "{\"signature_name\": \"regress_x_to_y2\", \"examples\": [{\"x\": 4.0}]}"));
    // classes and scores of an Estimator classifier; context features go into every example
    assertReply(
        200, "{\"results\": [[[\"y\", 2.5], [\"y2\", 3.5]], [[\"y\", 3.5], [\"y2\", 4.5]]]}",
        post("/v1/models/half_plus_two:classify", "{\"signature_name\": \"classify_x_to_classes\", \"context\": {\"x\": 1.0}, \"examples\": [{}, {\"x\": 3.0}]}"));
    assertEquals(
        Set.of("serving_default", "regress_x_to_y", "regress_x_to_y2", "regress_x2_to_y3", "classify_x_to_y", "classify_x_to_classes", "asset_contents"),
        signatures("half_plus_two"));
    // the asset was fed to the legacy init op at its real path
    assertReply(200, "{\"outputs\": \"" + HalfPlusModels.ASSET_CONTENTS + "\"}", post("/v1/models/half_plus_two:predict", "{\"signature_name\": \"asset_contents\", \"inputs\": [1.0]}"));
  }

  @Test
  void tf2SignaturesWithResourceVariablesServeClassifyAndRegress() throws Exception {
    // tf.saved_model.save names every method tensorflow/serving/predict: TF Serving (method-name
    // check off, its default) still classifies and regresses by the input and output keys
    assertReply(200, "{\"results\": [42.0]}", post("/v1/models/half_plus_two_tf2:regress", "{\"signature_name\": \"regress_x_to_y\", \"examples\": [{\"x\": 80.0}]}"));
    assertReply(200, "{\"results\": [43.0]}", post("/v1/models/half_plus_two_tf2:regress", "{\"signature_name\": \"regress_x_to_y2\", \"examples\": [{\"x\": 80.0}]}"));
    assertReply(200, "{\"results\": [[[\"\", 12.0]]]}", post("/v1/models/half_plus_two_tf2:classify", "{\"signature_name\": \"classify_x_to_y\", \"examples\": [{\"x\": 20.0}]}"));
    assertReply(200, "{\"predictions\": [3.5, 4.0]}", post("/v1/models/half_plus_two_tf2:predict", "{\"signature_name\": \"regress_x2_to_y3\", \"instances\": [1.0, 2.0]}"));
    assertReply(200, "{\"outputs\": \"" + HalfPlusModels.ASSET_CONTENTS + "\"}", post("/v1/models/half_plus_two_tf2:predict", "{\"signature_name\": \"asset_contents\", \"inputs\": 1.0}"));
    assertEquals(
        Set.of("serving_default", "regress_x_to_y", "regress_x_to_y2", "regress_x2_to_y3", "classify_x_to_y", "classify_x2_to_y3", "asset_contents",
            "int8_input", "__saved_model_init_op"),
        signatures("half_plus_two_tf2"));
  }

  @Test
  void aSignatureWithAnInputTypeJtuneCannotCarryIsRefusedAndTheOthersServe() throws Exception {
    Reply r = post("/v1/models/half_plus_two_tf2:predict", "{\"signature_name\": \"int8_input\", \"instances\": [1, 2]}");
    assertEquals(501, r.status(), r.raw());
    assertTrue(r.json().get("error").asText().contains("DT_INT8"), r.raw());
    assertEquals("DT_INT8", get("/v1/models/half_plus_two_tf2/metadata").json().at("/metadata/signature_def/signature_def/int8_input/inputs/x/dtype").asText());
    assertReply(200, "{\"predictions\": [2.5]}", post("/v1/models/half_plus_two_tf2:predict", "{\"instances\": [1.0]}"));
  }

  @Test
  void predictTakesSerializedExamplesAsBase64AndTextAsJsonStrings() throws Exception {
    assertReply(
        200, "{\"predictions\": [[2.5], [3.0]]}",
        post("/v1/models/half_plus_two:predict",
            "{\"signature_name\": \"regress_x_to_y\", \"instances\": [{\"b64\": \"" + b64Example(1f) + "\"}, {\"b64\": \"" + b64Example(2f) + "\"}]}"));
    assertReply(
        200, "{\"outputs\": [[42.0]]}",
        post("/v1/models/half_plus_two_tf2:predict", "{\"signature_name\": \"regress_x_to_y\", \"inputs\": [{\"b64\": \"" + b64Example(80f) + "\"}]}"));
    // "héllo" is 6 bytes of UTF-8; AAE= is the two bytes 0x00 0x01
    assertReply(200, "{\"predictions\": [6, 2, 0]}", post("/v1/models/generic:predict", "{\"signature_name\": \"strlen\", \"instances\": [\"h\u00e9llo\", {\"b64\": \"AAE=\"}, \"\"]}"));
    assertReply(200, "{\"outputs\": [3]}", post("/v1/models/generic:predict", "{\"signature_name\": \"strlen\", \"inputs\": [\"abc\"]}"));
    assertTrue(errorOf(400, post("/v1/models/generic:predict", "{\"signature_name\": \"strlen\", \"instances\": [{\"b64\": \"@@@\"}]}")).contains("base64"));
    assertTrue(errorOf(400, post("/v1/models/generic:predict", "{\"signature_name\": \"strlen\", \"instances\": [7]}")).contains("not of expected type: string"));
  }

  @Test
  void classifyAndRegressRefuseWhatTfServingRefuses() throws Exception {
    String path = "/v1/models/half_plus_two:regress";
    // json_tensor.cc: a list mixing integers and decimals is not one feature type
    assertTrue(errorOf(400, post(path, "{\"signature_name\": \"regress_x_to_y\", \"examples\": [{\"x\": [1, 2.5]}]}")).contains("Unexpected element type in feature: x"));
    assertTrue(errorOf(400, post(path, "{\"signature_name\": \"regress_x_to_y\", \"examples\": []}")).contains("empty"));
    assertTrue(errorOf(400, post(path, "{\"signature_name\": \"regress_x_to_y\"}")).contains("'examples'"));
    assertTrue(errorOf(400, post(path, "{\"signature_name\": \"regress_x_to_y\", \"examples\": [[1.0]]}")).contains("Example must be JSON object"));
    assertTrue(errorOf(400, post(path, "{\"signature_name\": \"regress_x_to_y\", \"examples\": [{\"x\": null}]}")).contains("Null"));
    // an integer is an int64 feature: the graph's ParseExample wants float and says so
    assertTrue(errorOf(400, post(path, "{\"signature_name\": \"regress_x_to_y\", \"examples\": [{\"x\": 1}]}")).length() > 10);
    // the default signature is a predict signature with input x: not a regression signature
    assertTrue(errorOf(400, post(path, "{\"examples\": [{\"x\": 1.0}]}")).contains("regression inputs"));
    assertTrue(errorOf(400, post("/v1/models/half_plus_two:classify", "{\"signature_name\": \"regress_x_to_y\", \"examples\": [{\"x\": 1.0}]}")).contains("classes"));
  }

  private static Set<String> signatures(String model) throws Exception {
    Reply meta = get("/v1/models/" + model + "/metadata");
    assertEquals(200, meta.status(), meta.raw());
    Set<String> names = new TreeSet<>();
    meta.json().at("/metadata/signature_def/signature_def").fieldNames().forEachRemaining(names::add);
    return names;
  }
}
