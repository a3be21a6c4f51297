package dev.jtune.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Predict bodies to tensors by TF Serving's json_tensor.cc rules, without a model. */
class JsonTensorReaderTest {

  private static SignatureSpec sig(String... nameDtype) {
    Map<String, TensorSpec> in = new LinkedHashMap<>();
    for (int i = 0; i < nameDtype.length; i += 2) in.put(nameDtype[i], new TensorSpec(nameDtype[i], nameDtype[i] + ":0", nameDtype[i + 1], new long[] {-1, 1}));
    return new SignatureSpec("s", "tensorflow/serving/predict", in, Map.of("y", new TensorSpec("y", "y:0", "DT_FLOAT", null)));
  }

  private static TfServingJson.PredictRequest decode(String body, SignatureSpec sig) {
    return TfServingJson.decodePredict(RequestBody.parse(body.getBytes(StandardCharsets.UTF_8), 1000), sig, 1000);
  }

  private static ApiException refused(String body, SignatureSpec sig) {
    return assertThrows(ApiException.class, () -> decode(body, sig));
  }

  @Test
  void instancesStackAlongANewFirstDimensionWhateverTheDeclaredShape() {
    HostTensor x = decode("{\"instances\": [[1, 2.5], [3, 4]]}", sig("x", "DT_FLOAT")).inputs().get("x");
    assertArrayEquals(new long[] {2, 2}, x.shape());
    assertArrayEquals(new float[] {1, 2.5f, 3, 4}, x.floats());
    HostTensor scalars = decode("{\"instances\": [1.0, 2.0, 5.0]}", sig("x", "DT_FLOAT")).inputs().get("x");
    assertArrayEquals(new long[] {3}, scalars.shape());
    HostTensor columnar = decode("{\"inputs\": 7}", sig("x", "DT_INT64")).inputs().get("x");
    assertArrayEquals(new long[] {}, columnar.shape());
    assertArrayEquals(new long[] {7}, (long[]) columnar.data());
  }

  @Test
  void emptyListsHaveAZeroDimension() {
    assertArrayEquals(new long[] {0}, decode("{\"inputs\": []}", sig("x", "DT_FLOAT")).inputs().get("x").shape());
    assertArrayEquals(new long[] {2, 0}, decode("{\"inputs\": [[], []]}", sig("x", "DT_FLOAT")).inputs().get("x").shape());
    assertTrue(refused("{\"inputs\": [[], [1]]}", sig("x", "DT_FLOAT")).getMessage().contains("unexpected size"));
    assertTrue(refused("{\"inputs\": [[], [[1]]]}", sig("x", "DT_FLOAT")).getMessage().contains("unexpected size"));
    assertTrue(refused("{\"inputs\": [[1], [[2]]]}", sig("x", "DT_FLOAT")).getMessage().contains("unexpected level"));
  }

  @Test
  void namedInstancesMayComeInAnyKeyOrderAndSignatureNameAnywhere() {
    var req = decode("{\"instances\": [{\"k\": [1], \"x\": \"a\"}, {\"x\": {\"b64\": \"AAE=\"}, \"k\": [2]}], \"signature_name\": \"s\"}", sig("x", "DT_STRING", "k", "DT_INT32"));
    assertEquals("s", req.signatureName());
    HostTensor x = req.inputs().get("x");
    assertArrayEquals(new long[] {2}, x.shape());
    assertArrayEquals(new byte[] {'a'}, ((byte[][]) x.data())[0]);
    assertArrayEquals(new byte[] {0, 1}, ((byte[][]) x.data())[1]);
    assertArrayEquals(new int[] {1, 2}, req.inputs().get("k").ints());
    assertArrayEquals(new long[] {2, 1}, req.inputs().get("k").shape());
  }

  @Test
  void anInputNamedB64IsNotMistakenForBinaryData() {
    var req = decode("{\"instances\": [{\"b64\": \"hello\", \"n\": 1}]}", sig("b64", "DT_STRING", "n", "DT_INT32"));
    assertArrayEquals("hello".getBytes(StandardCharsets.UTF_8), ((byte[][]) req.inputs().get("b64").data())[0]);
    var cols = decode("{\"inputs\": {\"b64\": [\"x\", \"y\"], \"n\": [1, 2]}}", sig("b64", "DT_STRING", "n", "DT_INT32"));
    assertArrayEquals(new long[] {2}, cols.inputs().get("b64").shape());
  }

  @Test
  void elementsMustBeOfTheInputsDtype() {
    assertTrue(refused("{\"instances\": [true]}", sig("x", "DT_FLOAT")).getMessage().contains("Type: True is not of expected type: float"));
    assertTrue(refused("{\"instances\": [1.5]}", sig("x", "DT_INT32")).getMessage().contains("not of expected type: int32"));
    assertTrue(refused("{\"instances\": [3000000000]}", sig("x", "DT_INT32")).getMessage().contains("not of expected type: int32"));
    assertTrue(refused("{\"instances\": [256]}", sig("x", "DT_UINT8")).getMessage().contains("out of range for uint8"));
    assertTrue(refused("{\"instances\": [null]}", sig("x", "DT_BOOL")).getMessage().contains("Type: Null"));
    assertTrue(refused("{\"instances\": [{\"b64\": 1}]}", sig("x", "DT_STRING")).getMessage().contains("does not have named input: b64"));
    assertTrue(refused("{\"inputs\": [{\"c\": \"AA==\"}]}", sig("x", "DT_STRING")).getMessage().contains("base64"));
    assertEquals(3000000000L, ((long[]) decode("{\"instances\": [3000000000]}", sig("x", "DT_INT64")).inputs().get("x").data())[0]);
    HostTensor special = decode("{\"instances\": [NaN, -Infinity]}", sig("x", "DT_DOUBLE")).inputs().get("x");
    assertTrue(Double.isNaN(((double[]) special.data())[0]) && ((double[]) special.data())[1] == Double.NEGATIVE_INFINITY);
  }

  @Test
  void inputsOfATypeJtuneCannotCarryAre501() {
    assertEquals(501, refused("{\"instances\": [1]}", sig("x", "DT_INT8")).status());
  }

  @Test
  void theElementLimitHoldsWhileDecodingToo() {
    // the first pass counts every value; decoding counts again (a caller may decode without it)
    StringBuilder b = new StringBuilder("{\"instances\": [");
    for (int i = 0; i < 11; i++) b.append(i == 0 ? "" : ",").append(i);
    RequestBody body = RequestBody.parse(b.append("]}").toString().getBytes(StandardCharsets.UTF_8), 100);
    assertEquals(413, assertThrows(ApiException.class, () -> TfServingJson.decodePredict(body, sig("x", "DT_FLOAT"), 10)).status());
  }

  @Test
  void theElementLimitStopsReadingWith413() {
    StringBuilder b = new StringBuilder("{\"instances\": [");
    for (int i = 0; i < 1001; i++) b.append(i == 0 ? "" : ",").append(i);
    ApiException e = refused(b.append("]}").toString(), sig("x", "DT_FLOAT"));
    assertEquals(413, e.status());
    assertTrue(e.getMessage().contains("1000 tensor elements"), e.getMessage());
    assertEquals(1000, decode(b.toString().replace(",1000]", "]"), sig("x", "DT_FLOAT")).inputs().get("x").elementCount());
  }

  @Test
  void malformedOrAmbiguousBodiesAre400() {
    assertTrue(refused("{\"instances\": [1], \"instances\": [2]}", sig("x", "DT_FLOAT")).getMessage().contains("duplicate key"));
    assertTrue(refused("{\"instances\": [{\"x\": 1, \"x\": 2}]}", sig("x", "DT_FLOAT")).getMessage().contains("twice"));
    assertTrue(refused("[1, 2]", sig("x", "DT_FLOAT")).getMessage().contains("must be a JSON object"));
    assertTrue(refused("   ", sig("x", "DT_FLOAT")).getMessage().contains("The document is empty"));
    assertTrue(refused("{\"instances\": 5}", sig("x", "DT_FLOAT")).getMessage().contains("to be an list/array"));
    StringBuilder deep = new StringBuilder("{\"inputs\": ");
    deep.append("[".repeat(5000)).append("]".repeat(5000)).append('}');
    assertTrue(refused(deep.toString(), sig("x", "DT_FLOAT")).getMessage().startsWith("JSON Parse error"));
  }
}
