package dev.jtune.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jtune.JtuneException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingConfigTest {
  @TempDir Path dir;

  @Test
  void defaultsAreValidAndFrozen() {
    TrainingConfig c = TrainingConfig.defaults();
    assertTrue(c.freeze().encoderFrozen());
    assertTrue(c.usesFeatureCache());
    assertEquals(256, c.tokens().maxSeqLen());
    assertEquals(4, c.head().layers());
  }

  @Test
  void autoEpochsDependOnWhetherTheEncoderRuns() {
    assertEquals(TrainingConfig.AUTO_EPOCHS_CACHED, TrainingConfig.defaults().loop().epochs());
    assertEquals(TrainingConfig.AUTO_EPOCHS_ENCODER, TrainingConfig.resolve(null, Map.of("freeze.unfreeze_top", 2)).loop().epochs());
    assertEquals(TrainingConfig.AUTO_EPOCHS_ENCODER, TrainingConfig.resolve(null, Map.of("cache.features", "off")).loop().epochs());
    assertEquals(4, TrainingConfig.resolve(null, Map.of("loop.epochs", 4)).loop().epochs());
  }

  @Test
  void fileOverridesDefaultsAndFlagsOverrideFile() throws Exception {
    Path f = dir.resolve("c.json");
    Files.writeString(f, "{\"loop\": {\"epochs\": 7, \"batch_size\": 8}, \"head\": {\"pooling\": \"cls\"}}");
    TrainingConfig c = TrainingConfig.resolve(f, Map.of("loop.epochs", "2", "freeze.unfreeze_top", 2));
    assertEquals(2, c.loop().epochs(), "flag wins over file");
    assertEquals(8, c.loop().batchSize(), "file wins over default");
    assertEquals("cls", c.head().pooling());
    assertEquals(2, c.freeze().unfreezeTop());
    assertEquals(TrainingConfig.defaults().optimizer(), c.optimizer(), "untouched groups keep defaults");
  }

  @Test
  void writtenConfigReadsBackEqual() {
    TrainingConfig c = TrainingConfig.resolve(null, Map.of("loss.class_weights", "[1.0, 3.5]", "schedule.kind", "cosine"));
    Path f = dir.resolve("config.json");
    c.write(f);
    assertEquals(c, TrainingConfig.read(f));
    assertEquals(List.of(1.0, 3.5), c.loss().classWeights());
  }

  @Test
  void badValuesNameTheField() {
    JtuneException e = assertThrows(JtuneException.class, () -> TrainingConfig.resolve(null, Map.of("head.pooling", "max")));
    assertTrue(e.getMessage().contains("head.pooling"), e.getMessage());
    e = assertThrows(JtuneException.class, () -> TrainingConfig.resolve(null, Map.of("head.layers", -1)));
    assertTrue(e.getMessage().contains("head.layers"), e.getMessage());
    e = assertThrows(JtuneException.class, () -> TrainingConfig.resolve(null, Map.of("head.layers", 0)));
    assertTrue(e.getMessage().contains("head.layers"), e.getMessage());
    e = assertThrows(JtuneException.class, () -> TrainingConfig.resolve(null, Map.of("tokens.max_seq_len", 2)));
    assertTrue(e.getMessage().contains("tokens.max_seq_len"), e.getMessage());
    e = assertThrows(JtuneException.class, () -> TrainingConfig.resolve(null, Map.of("freeze.encoder_dropout", 1.0)));
    assertTrue(e.getMessage().contains("freeze.encoder_dropout"), e.getMessage());
    assertEquals(3, TrainingConfig.resolve(null, Map.of("freeze.unfreeze_top", 2, "head.layers", 3)).head().layers());
    assertEquals(2, TrainingConfig.defaults().head().layersOf(2), "an encoder with fewer layers uses all of them");
    e = assertThrows(JtuneException.class, () -> TrainingConfig.resolve(null, Map.of("loop.epoch", "3")));
    assertTrue(e.getMessage().contains("unknown config field 'loop.epoch'"), e.getMessage());
  }

  @Test
  void unknownFieldInFileIsRejected() throws Exception {
    Path f = dir.resolve("c.json");
    Files.writeString(f, "{\"optimizer\": {\"lr\": 0.1}}");
    JtuneException e = assertThrows(JtuneException.class, () -> TrainingConfig.resolve(f, Map.of()));
    assertTrue(e.getMessage().contains("optimizer.lr"), e.getMessage());
  }

  @Test
  void everyFieldHasHelp() {
    List<TrainingConfig.Field> fields = TrainingConfig.describe();
    assertTrue(fields.size() > 25);
    assertTrue(fields.stream().anyMatch(f -> f.key().equals("optimizer.max_grad_norm") && f.defaultValue().equals("1.0")));
    for (TrainingConfig.Field f : fields) assertTrue(f.help().length() > 5, "help missing: " + f.key());
  }

  /** docs/training.md's field table lists every field with the default the code has. */
  @Test
  void docsListEveryFieldWithItsDefault() throws Exception {
    String docs = Files.readString(Path.of("docs/training.md"));
    for (TrainingConfig.Field f : TrainingConfig.describe()) {
      Matcher m = Pattern.compile("(?m)^\\| `" + Pattern.quote(f.key()) + "` \\| ([^|]*) \\|").matcher(docs);
      assertTrue(m.find(), "docs/training.md has no row for " + f.key());
      String documented = m.group(1).strip().replace("`", "");
      String actual = f.defaultValue().replace("\"", "");
      if (documented.matches("-?[0-9.eE+-]+") && actual.matches("-?[0-9.eE+-]+")) {
        assertEquals(Double.parseDouble(actual), Double.parseDouble(documented), 0, f.key());
      } else {
        assertEquals(actual, documented, f.key());
      }
    }
  }
}
