package dev.jtune.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jtune.JtuneException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.ndarray.Shape;

class BertConfigTest {

  /** Tiny (hidden 32, head size 8) with 3 heads and FFN 48 in layer 0, 1 head and FFN 80 in layer 1. */
  static final BertConfig PRUNED = BertConfig.tiny(BertConfig.Pooler.MEAN)
      .withLayerShapes(List.of(new BertConfig.LayerShape(3, 48), new BertConfig.LayerShape(1, 80)));

  @Test
  void writesBertConfigJsonExactlyAsBeforeLayerShapesExisted(@TempDir Path dir) throws Exception {
    BertConfig cfg = new BertConfig(30522, 384, 6, 12, 1536, 512, 2, 1e-12,
        BertConfig.Activation.GELU_TANH, BertConfig.Pooler.MEAN);
    Path file = dir.resolve("bert_config.json");
    cfg.write(file);
    assertEquals("""
        {
          "vocab_size" : 30522,
          "hidden_size" : 384,
          "num_hidden_layers" : 6,
          "num_attention_heads" : 12,
          "intermediate_size" : 1536,
          "max_position_embeddings" : 512,
          "type_vocab_size" : 2,
          "layer_norm_eps" : 1.0E-12,
          "hidden_act" : "gelu_tanh",
          "pooler" : "mean"
        }""", Files.readString(file));
    assertEquals(cfg, BertConfig.read(file));
    assertTrue(cfg.hasUniformLayers());
    assertEquals(new BertConfig.LayerShape(12, 1536), cfg.layerShape(5));
  }

  @Test
  void writesPerLayerShapesOnlyWhenALayerDiffersAndReadsThemBack(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("bert_config.json");
    PRUNED.write(file);
    assertEquals("""
        {
          "vocab_size" : 100,
          "hidden_size" : 32,
          "num_hidden_layers" : 2,
          "num_attention_heads" : 4,
          "intermediate_size" : 64,
          "max_position_embeddings" : 64,
          "type_vocab_size" : 2,
          "layer_norm_eps" : 1.0E-12,
          "hidden_act" : "gelu",
          "pooler" : "mean",
          "layer_shapes" : [ {
            "num_attention_heads" : 3,
            "intermediate_size" : 48
          }, {
            "num_attention_heads" : 1,
            "intermediate_size" : 80
          } ]
        }""", Files.readString(file));
    assertEquals(PRUNED, BertConfig.read(file));
    assertEquals(8, PRUNED.headSize(), "a head keeps the unpruned width hidden / num_attention_heads");
    assertEquals(24, PRUNED.attentionWidth(0));
    assertEquals(8, PRUNED.attentionWidth(1));

    // every layer given with the uniform shape is the uniform config, written without the list
    BertConfig spelledOut = BertConfig.tiny(BertConfig.Pooler.MEAN)
        .withLayerShapes(List.of(new BertConfig.LayerShape(4, 64), new BertConfig.LayerShape(4, 64)));
    assertEquals(BertConfig.tiny(BertConfig.Pooler.MEAN), spelledOut);
    assertEquals(List.of(), spelledOut.layerShapes());
    assertEquals(BertConfig.tiny(BertConfig.Pooler.MEAN).toJson(), spelledOut.toJson());
  }

  @Test
  void readsOriginalBertConfigWithoutPoolerFieldAsDensePooler(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("bert_config.json");
    Files.writeString(file, "{\"attention_probs_dropout_prob\": 0.1, \"hidden_act\": \"gelu\", \"hidden_size\": 32,"
        + " \"intermediate_size\": 64, \"max_position_embeddings\": 64, \"num_attention_heads\": 4,"
        + " \"num_hidden_layers\": 2, \"type_vocab_size\": 2, \"vocab_size\": 100, \"layer_norm_eps\": 1e-12}");
    assertEquals(BertConfig.tiny(BertConfig.Pooler.DENSE), BertConfig.read(file));
  }

  @Test
  void rejectsInconsistentConfigNamingTheFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("bert_config.json");
    Files.writeString(file, "{\"hidden_size\": 30, \"num_attention_heads\": 4, \"vocab_size\": 10, \"num_hidden_layers\": 1,"
        + " \"intermediate_size\": 8, \"max_position_embeddings\": 8, \"type_vocab_size\": 2, \"layer_norm_eps\": 1e-12}");
    JtuneException e = assertThrows(JtuneException.class, () -> BertConfig.read(file));
    assertEquals(file + ": not a valid bert_config.json: hidden_size 30 is not a multiple of num_attention_heads 4", e.getMessage());
    JtuneException missing = assertThrows(JtuneException.class, () -> BertConfig.read(dir.resolve("missing.json")));
    assertEquals(dir.resolve("missing.json") + ": no such file; a model folder needs assets/bert_config.json", missing.getMessage());
  }

  @Test
  void rejectsLayerShapesThatDoNotFitTheArchitecture(@TempDir Path dir) throws Exception {
    String head = "{\"vocab_size\": 100, \"hidden_size\": 32, \"num_hidden_layers\": 2, \"num_attention_heads\": 4,"
        + " \"intermediate_size\": 64, \"max_position_embeddings\": 64, \"type_vocab_size\": 2, \"layer_norm_eps\": 1e-12, ";
    assertRefused(dir, head + "\"layer_shapes\": [{\"num_attention_heads\": 2, \"intermediate_size\": 64}]}",
        "layer_shapes has 1 entries but num_hidden_layers is 2; give one per layer");
    assertRefused(dir, head + "\"layer_shapes\": [{\"num_attention_heads\": 2, \"intermediate_size\": 64},"
        + " {\"num_attention_heads\": 5, \"intermediate_size\": 64}]}",
        "layer_shapes[1].num_attention_heads 5 exceeds num_attention_heads 4 (a layer keeps a subset of the heads)");
    assertRefused(dir, head + "\"layer_shapes\": [{\"num_attention_heads\": -1, \"intermediate_size\": 64},"
        + " {\"num_attention_heads\": 4, \"intermediate_size\": 64}]}",
        "layer_shapes: num_attention_heads must be >= 0, got -1");
    assertRefused(dir, head + "\"layer_shapes\": [{\"num_attention_heads\": 0, \"intermediate_size\": 0},"
        + " {\"num_attention_heads\": 4, \"intermediate_size\": 64}]}",
        "layer_shapes: intermediate_size must be > 0, got 0");
  }

  private static void assertRefused(Path dir, String json, String reason) throws Exception {
    Path file = dir.resolve("bert_config.json");
    Files.writeString(file, json);
    JtuneException e = assertThrows(JtuneException.class, () -> BertConfig.read(file));
    assertEquals(file + ": not a valid bert_config.json: " + reason, e.getMessage());
  }

  @Test
  void countsParametersOfMiniLm() {
    BertConfig miniLm = new BertConfig(30522, 384, 6, 12, 1536, 512, 2, 1e-12,
        BertConfig.Activation.GELU, BertConfig.Pooler.MEAN);
    assertEquals(5 + 6 * 16, miniLm.parameters().size());
    assertEquals(22_565_376L, miniLm.parameterCount());
  }

  @Test
  void parametersFollowEachLayersShape() {
    assertEquals(5 + 2 * 16, PRUNED.parameters().size());
    String l0 = "bert/encoder/layer_0/", l1 = "bert/encoder/layer_1/";
    assertEquals(Shape.of(32, 24), shape(PRUNED, l0 + "attention/self/query/kernel"));
    assertEquals(Shape.of(24), shape(PRUNED, l0 + "attention/self/value/bias"));
    assertEquals(Shape.of(24, 32), shape(PRUNED, l0 + "attention/output/dense/kernel"));
    assertEquals(Shape.of(32, 48), shape(PRUNED, l0 + "intermediate/dense/kernel"));
    assertEquals(Shape.of(48, 32), shape(PRUNED, l0 + "output/dense/kernel"));
    assertEquals(Shape.of(32, 8), shape(PRUNED, l1 + "attention/self/key/kernel"));
    assertEquals(Shape.of(8, 32), shape(PRUNED, l1 + "attention/output/dense/kernel"));
    assertEquals(Shape.of(80), shape(PRUNED, l1 + "intermediate/dense/bias"));
    assertEquals(Shape.of(32), shape(PRUNED, l1 + "output/LayerNorm/gamma"));
    // embeddings 100*32 + 64*32 + 2*32 + 2*32 = 5376; a layer of attention width a and FFN f has
    // 3*(32a + a) + (32a + 32) + 64 + (32f + f) + (32f + 32) + 64 = 131a + 65f + 192:
    // layer 0 (a 24, f 48) 6456, layer 1 (a 8, f 80) 6440; no pooler
    assertEquals(5376 + 6456 + 6440, PRUNED.parameterCount());
    assertEquals(5376 + 2 * (131 * 32 + 65 * 64 + 192), BertConfig.tiny(BertConfig.Pooler.MEAN).parameterCount());
  }

  private static Shape shape(BertConfig cfg, String name) {
    return cfg.parameters().stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow().shape();
  }
}
