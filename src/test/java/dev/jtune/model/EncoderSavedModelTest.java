package dev.jtune.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jtune.JtuneException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

class EncoderSavedModelTest {
  static final BertConfig TINY = BertConfig.tiny(BertConfig.Pooler.DENSE);

  /** A WordPiece tokenizer.json whose ids fit the tiny vocabulary, padding every text to 128 like MiniLM's. */
  static Path tinyTokenizer(Path dir, int vocabSize) throws Exception {
    StringBuilder vocab = new StringBuilder("{\"[PAD]\":0,\"[UNK]\":1,\"[CLS]\":2,\"[SEP]\":3");
    for (int i = 4; i < vocabSize; i++) vocab.append(",\"w").append(i).append("\":").append(i);
    vocab.append('}');
    Path file = dir.resolve("tokenizer.json");
    Files.writeString(file, "{\"version\":\"1.0\",\"truncation\":{\"direction\":\"Right\",\"max_length\":128,"
        + "\"strategy\":\"LongestFirst\",\"stride\":0},\"padding\":{\"strategy\":{\"Fixed\":128},\"direction\":\"Right\","
        + "\"pad_to_multiple_of\":null,\"pad_id\":0,\"pad_type_id\":0,\"pad_token\":\"[PAD]\"},"
        + "\"model\":{\"type\":\"WordPiece\",\"unk_token\":\"[UNK]\",\"continuing_subword_prefix\":\"##\","
        + "\"max_input_chars_per_word\":100,\"vocab\":" + vocab + "}}");
    return file;
  }

  @ParameterizedTest(name = "pruned layers: {0}")
  @ValueSource(booleans = {false, true})
  void exportThenLoadGivesIdenticalWeightsAndOutputs(boolean pruned, @TempDir Path tmp) throws Exception {
    BertConfig cfg = pruned ? BertEncoderTest.PRUNED : TINY;
    PretrainedEncoder original = new PretrainedEncoder(cfg, BertEncoderTest.randomWeights(cfg, 11));
    Path dir = tmp.resolve("tiny");
    EncoderSavedModel.write(dir, original, tinyTokenizer(tmp, cfg.vocabSize()));

    assertTrue(Files.isRegularFile(dir.resolve("saved_model.pb")));
    assertEquals(cfg, BertConfig.read(dir.resolve("assets/bert_config.json")));
    JsonNode tok = new ObjectMapper().readTree(dir.resolve("assets/tokenizer.json").toFile());
    assertTrue(tok.get("padding").isNull(), "padding removed");
    assertEquals(cfg.maxPositionEmbeddings(), tok.get("truncation").get("max_length").asInt());
    try (var files = Files.list(tmp)) {
      assertEquals(List.of("tiny", "tokenizer.json"), files.map(p -> p.getFileName().toString()).sorted().toList(), "no temp folders left");
    }

    EncoderSavedModel loaded = EncoderSavedModel.load(dir);
    assertTrue(loaded.isFineTunable());
    assertEquals(cfg, loaded.pretrained().config());
    assertEquals(0, original.weights().maxAbsDifference(loaded.pretrained().weights()));

    BertEncoderTest.TokenRows rows = BertEncoderTest.TokenRows.random(new Random(12), 3, 10, cfg.vocabSize());
    EncoderSession.Output expected, native_, frozen;
    try (EncoderSession s = EncoderSession.open(original)) {
      expected = s.run(rows.batch, rows.seq, rows.ids, rows.mask, rows.types);
    }
    try (EncoderSession s = loaded.openSession()) {
      native_ = s.run(rows.batch, rows.seq, rows.ids, rows.mask, rows.types);
    }
    try (SavedModelBundle bundle = SavedModelBundle.load(dir.toString(), "serve");
        var in = rows.tensors();
        Result r = bundle.function("serving_default").call(Map.<String, Tensor>of(
            "input_word_ids", in.ids(), "input_mask", in.mask(), "input_type_ids", in.types()))) {
      frozen = new EncoderSession.Output(rows.batch, rows.seq, cfg.hiddenSize(),
          BertEncoderTest.values((TFloat32) r.get("sequence_output").orElseThrow()),
          BertEncoderTest.values((TFloat32) r.get("pooled_output").orElseThrow()));
    }
    assertArrayEquals(expected.sequenceOutput(), native_.sequenceOutput());
    assertArrayEquals(expected.pooledOutput(), native_.pooledOutput());
    assertArrayEquals(expected.sequenceOutput(), frozen.sequenceOutput());
    assertArrayEquals(expected.pooledOutput(), frozen.pooledOutput());
  }

  @Test
  void rewritingAnExistingFolderReplacesIt(@TempDir Path tmp) throws Exception {
    Path dir = tmp.resolve("tiny");
    Path tokenizer = tinyTokenizer(tmp, TINY.vocabSize());
    EncoderSavedModel.write(dir, new PretrainedEncoder(TINY, BertEncoderTest.randomWeights(TINY, 1)), tokenizer);
    EncoderWeights second = BertEncoderTest.randomWeights(TINY, 2);
    EncoderSavedModel.write(dir, new PretrainedEncoder(TINY, second), tokenizer);
    assertEquals(0, second.maxAbsDifference(EncoderSavedModel.load(dir).pretrained().weights()));
  }

  @Test
  void savedModelWithUnknownVariablesLoadsAsFrozenFeatureExtractor(@TempDir Path tmp) throws Exception {
    Path dir = tmp.resolve("foreign");
    float[] table = writeForeignEncoder(dir);
    EncoderSavedModel foreign = EncoderSavedModel.load(dir);
    assertFalse(foreign.isFineTunable());
    assertEquals("it has no assets/bert_config.json; used through its serving_default signature only (TensorFlow Java cannot "
        + "compute gradients through functions that capture resource variables)", foreign.frozenReason());
    JtuneException e = assertThrows(JtuneException.class, foreign::pretrained);
    assertEquals(dir + ": can only be used as a frozen feature extractor (it has no assets/bert_config.json); "
        + "fine-tuning needs a folder made by `jtune import`", e.getMessage());

    int[] ids = {5, 7, 0, 9, 9, 2}, mask = {1, 1, 0, 1, 1, 1}, types = new int[6];
    try (EncoderSession s = foreign.openSession()) {
      EncoderSession.Output out = s.run(2, 3, ids, mask, types);
      for (int t = 0; t < 6; t++) {
        for (int j = 0; j < 4; j++) assertEquals(mask[t] * table[ids[t] * 4 + j], out.sequenceOutput()[t * 4 + j], 1e-6);
      }
      assertEquals((table[9 * 4] + table[9 * 4] + table[2 * 4]) / 3, out.pooledOutput()[4], 1e-6);
    }

    // with a bert_config.json but no BERT variables it is still only a feature extractor
    TINY.write(dir.resolve("assets/bert_config.json"));
    EncoderSavedModel withConfig = EncoderSavedModel.load(dir);
    assertFalse(withConfig.isFineTunable());
    assertTrue(withConfig.frozenReason().startsWith("it holds no VariableV2 bert/embeddings/word_embeddings;"), withConfig.frozenReason());
  }

  @Test
  void variablesShapedUnlikeTheConfigsLayersMakeAFrozenFeatureExtractor(@TempDir Path tmp) throws Exception {
    Path dir = tmp.resolve("tiny");
    EncoderSavedModel.write(dir, new PretrainedEncoder(TINY, BertEncoderTest.randomWeights(TINY, 3)), tinyTokenizer(tmp, TINY.vocabSize()));
    BertEncoderTest.PRUNED.write(dir.resolve("assets/bert_config.json"));
    EncoderSavedModel loaded = EncoderSavedModel.load(dir);
    assertFalse(loaded.isFineTunable());
    assertTrue(loaded.frozenReason().startsWith("it holds no VariableV2 bert/encoder/layer_0/attention/self/query/kernel "
        + "of shape [32, 24] (found [32, 32]);"), loaded.frozenReason());
  }

  @Test
  void theLicenceGivenAtImportIsKeptWithTheEncoder(@TempDir Path tmp) throws Exception {
    Path tokenizer = tinyTokenizer(tmp, TINY.vocabSize());
    PretrainedEncoder e = new PretrainedEncoder(TINY, BertEncoderTest.randomWeights(TINY, 3));
    Path with = tmp.resolve("with"), without = tmp.resolve("without");
    EncoderSavedModel.write(dev.jtune.io.OutputFolder.claim(with, dev.jtune.io.ArtifactKind.ENCODER, dev.jtune.io.ProtectedPaths.of(tokenizer),
        false, "--out"), e, tokenizer, "apache-2.0");
    EncoderSavedModel.write(without, e, tokenizer);
    assertEquals(java.util.Optional.of("apache-2.0"), EncoderSavedModel.load(with).license());
    assertEquals(java.util.Optional.empty(), EncoderSavedModel.load(without).license());
  }

  @Test
  void refusesFoldersThatAreNoEncoder(@TempDir Path tmp) throws Exception {
    JtuneException none = assertThrows(JtuneException.class, () -> EncoderSavedModel.load(tmp.resolve("nothing")));
    assertEquals(tmp.resolve("nothing") + ": no saved_model.pb; create an encoder folder with `jtune import` or `make savedmodels`",
        none.getMessage());

    Path dir = tmp.resolve("classifier");
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      var x = tf.withName("input_word_ids").placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, -1)));
      var y = tf.withName("logits").dtypes.cast(x, TFloat32.class);
      try (Session s = new Session(g)) {
        SavedModelBundle.exporter(dir.toString()).withSession(s)
            .withSignature(Signature.builder().key("serving_default").input("input_word_ids", x).output("logits", y).build()).export();
      }
    }
    JtuneException e = assertThrows(JtuneException.class, () -> EncoderSavedModel.load(dir));
    assertEquals(dir + ": signature 'serving_default' is not a BERT encoder signature (missing input input_mask, input input_type_ids, "
        + "output sequence_output, output pooled_output)", e.getMessage());
  }

  /**
   * A SavedModel with the TF Hub encoder signature made without jtune: a word-vector table under a
   * foreign variable name, sequence_output = masked vectors, pooled_output = their mean. Returns the table.
   */
  static float[] writeForeignEncoder(Path dir) throws Exception {
    float[] table = new float[10 * 4];
    Random r = new Random(3);
    for (int i = 0; i < table.length; i++) table[i] = (float) r.nextGaussian();
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      var ids = tf.withName("ids").placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, -1)));
      var mask = tf.withName("mask").placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, -1)));
      var types = tf.withName("segments").placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, -1)));
      Variable<TFloat32> vectors = tf.withName("word_vectors.table").variable(
          tf.constant(Shape.of(10, 4), org.tensorflow.ndarray.buffer.DataBuffers.of(table)));
      Operand<TFloat32> m = tf.expandDims(tf.dtypes.cast(mask, TFloat32.class), tf.constant(-1));
      Operand<TFloat32> seq = tf.math.mul(tf.gather(vectors, ids, tf.constant(0)), m);
      Operand<TFloat32> pooled = tf.math.div(tf.reduceSum(seq, tf.constant(1)), tf.reduceSum(m, tf.constant(1)));
      var typesUsed = tf.math.add(seq, tf.math.mul(tf.expandDims(tf.dtypes.cast(types, TFloat32.class), tf.constant(-1)), tf.constant(0f)));
      try (Session s = new Session(g)) {
        s.initialize();
        SavedModelBundle.exporter(dir.toString()).withSession(s).withSignature(Signature.builder().key("serving_default")
            .input("input_word_ids", ids).input("input_mask", mask).input("input_type_ids", types)
            .output("sequence_output", typesUsed).output("pooled_output", pooled).build()).export();
      }
    }
    return table;
  }
}
