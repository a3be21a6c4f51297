package dev.jtune.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jtune.JtuneException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BertConfigTest {

  @Test
  void writesAndReadsBertConfigJson(@TempDir Path dir) throws Exception {
    BertConfig cfg = new BertConfig(30522, 384, 6, 12, 1536, 512, 2, 1e-12,
        BertConfig.Activation.GELU_TANH, BertConfig.Pooler.MEAN);
    Path file = dir.resolve("bert_config.json");
    cfg.write(file);
    String json = Files.readString(file);
    assertTrue(json.contains("\"hidden_act\" : \"gelu_tanh\""), json);
    assertTrue(json.contains("\"pooler\" : \"mean\""), json);
    assertTrue(json.contains("\"num_hidden_layers\" : 6"), json);
    assertEquals(cfg, BertConfig.read(file));
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
    assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("num_attention_heads"), e.getMessage());
    assertThrows(JtuneException.class, () -> BertConfig.read(dir.resolve("missing.json")));
  }

  @Test
  void countsParametersOfMiniLm() {
    BertConfig miniLm = new BertConfig(30522, 384, 6, 12, 1536, 512, 2, 1e-12,
        BertConfig.Activation.GELU, BertConfig.Pooler.MEAN);
    assertEquals(5 + 6 * 16, miniLm.parameters().size());
    assertEquals(22_565_376L, miniLm.parameterCount());
  }
}
