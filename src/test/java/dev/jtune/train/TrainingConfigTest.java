package dev.jtune.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jtune.JtuneException;
import dev.jtune.artifact.Pooling;
import dev.jtune.artifact.Truncation;
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
    assertEquals(Pooling.CLS, c.head().pooling());
    assertEquals(2, c.freeze().unfreezeTop());
    assertEquals(TrainingConfig.defaults().optimizer(), c.optimizer(), "untouched groups keep defaults");
  }

  @Test
  void writtenConfigReadsBackEqual() {
    TrainingConfig c = TrainingConfig.resolve(null, Map.of("loss.class_weights", "[1.0, 3.5]", "schedule.kind", "cosine"));
    Path f = dir.resolve("config.json");
    c.write(f);
    assertEquals(c, TrainingConfig.read(f));
    assertEquals(new ClassWeights.PerLabel(List.of(1.0, 3.5)), c.loss().classWeights());
    assertEquals(ScheduleKind.COSINE, c.schedule().kind());
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

  /**
   * docs/training.md's field table lists every field with the default the code has and, as its
   * meaning, the field's help text (backticks aside): the text {@code --list-options} and the CLI's
   * flags show, so none of them can drift from the others.
   */
  @Test
  void docsListEveryFieldWithItsDefault() throws Exception {
    String docs = Files.readString(Path.of("docs/training.md"));
    for (TrainingConfig.Field f : TrainingConfig.describe()) {
      Matcher m = Pattern.compile("(?m)^\\| `" + Pattern.quote(f.key()) + "` \\| ([^|]*) \\| ([^|]*) \\|$").matcher(docs);
      assertTrue(m.find(), "docs/training.md has no row for " + f.key());
      assertEquals(f.help(), m.group(2).strip().replace("`", ""), "docs/training.md: the meaning of " + f.key());
      String documented = m.group(1).strip().replace("`", "");
      String actual = f.defaultValue().replace("\"", "");
      if (documented.matches("-?[0-9.eE+-]+") && actual.matches("-?[0-9.eE+-]+")) {
        assertEquals(Double.parseDouble(actual), Double.parseDouble(documented), 0, f.key());
      } else {
        assertEquals(actual, documented, f.key());
      }
    }
  }

  private String refusedFile(String json) throws Exception {
    Path f = Files.writeString(dir.resolve("c.json"), json);
    return assertThrows(JtuneException.class, () -> TrainingConfig.resolve(f, Map.of())).getMessage();
  }

  private static String refusedOverride(String key, Object value) {
    return assertThrows(JtuneException.class, () -> TrainingConfig.resolve(null, Map.of(key, value))).getMessage();
  }

  @Test
  void infiniteNumbersAreRefused() throws Exception {
    // before: 1e400 parsed as Infinity and training ran with it
    Path f = dir.resolve("c.json");
    assertEquals(f + ": optimizer.learning_rate: expected a finite number (this one is beyond the range of a double), "
        + "got Infinity (default 0.001)", refusedFile("{\"optimizer\": {\"learning_rate\": 1e400}}"));
    assertEquals("command line: optimizer.learning_rate: expected a finite number (this one is beyond the range of a double), "
        + "got Infinity (default 0.001)", refusedOverride("optimizer.learning_rate", "1e400"));
    assertTrue(refusedOverride("optimizer.learning_rate", Double.POSITIVE_INFINITY).contains("got Infinity"));
    assertTrue(refusedOverride("head.dropout", Double.NaN).contains("head.dropout: expected a finite number"));
    assertTrue(refusedFile("{\"loss\": {\"class_weights\": [1, 1e400]}}").contains("loss.class_weights"));
    JtuneException e = assertThrows(JtuneException.class,
        () -> new TrainingConfig.Optimizer(Double.POSITIVE_INFINITY, 3e-5, 0.01, 0.9, 0.999, 1e-8, 1.0, 1e-2, 0.0));
    assertTrue(e.getMessage().contains("optimizer.learning_rate"), e.getMessage());
  }

  @Test
  void integralFieldsTakeWholeNumbersOnly() throws Exception {
    // before: 1.5 epochs silently trained 1 epoch
    Path f = dir.resolve("c.json");
    assertEquals(f + ": loop.epochs: expected a whole number, got 1.5 (default 0)", refusedFile("{\"loop\": {\"epochs\": 1.5}}"));
    assertEquals("command line: loop.epochs: expected a whole number, got 1.5 (default 0)", refusedOverride("loop.epochs", "1.5"));
    assertTrue(refusedOverride("loop.batch_size", "1e10").contains("loop.batch_size: expected a whole number from -2147483648 to 2147483647"));
    assertTrue(refusedOverride("loop.epochs", "3 4").contains("loop.epochs: expected a whole number, got \"3 4\""));
    Path two = Files.writeString(dir.resolve("two.json"), "{\"loop\": {\"epochs\": 2.0, \"max_steps\": 1e3}}");
    TrainingConfig c = TrainingConfig.resolve(two, Map.of());
    assertEquals(2, c.loop().epochs(), "a whole number written with a decimal point is still whole");
    assertEquals(1000, c.loop().maxSteps());
  }

  @Test
  void aValueOfTheWrongTypeNamesItsField() throws Exception {
    // before: Jackson's message, without the field's name
    Path f = dir.resolve("c.json");
    assertEquals(f + ": optimizer.learning_rate: expected a number, got \"fast\" (default 0.001)",
        refusedFile("{\"optimizer\": {\"learning_rate\": \"fast\"}}"));
    assertEquals("command line: optimizer.learning_rate: expected a number, got \"fast\" (default 0.001)",
        refusedOverride("optimizer.learning_rate", "fast"));
    assertEquals(f + ": head.pooling: expected a string, got 3 (default \"mean\")", refusedFile("{\"head\": {\"pooling\": 3}}"));
    assertEquals(f + ": head.pooling: expected a string, got null (default \"mean\")", refusedFile("{\"head\": {\"pooling\": null}}"));
    assertEquals(f + ": tokens.length_bucketing: expected true or false, got \"yes\" (default true)",
        refusedFile("{\"tokens\": {\"length_bucketing\": \"yes\"}}"));
    assertEquals("command line: freeze.unfreeze_all: expected true or false, got \"yes\" (default false)",
        refusedOverride("freeze.unfreeze_all", "yes"));
    assertTrue(refusedFile("{\"loop\": 5}").startsWith(f + ": loop: expected an object of settings (epochs, max_steps, "),
        refusedFile("{\"loop\": 5}"));
    assertTrue(refusedFile("{\"loss\": {\"class_weights\": [\"a\", \"b\"]}}")
        .contains("loss.class_weights: expected \"none\", \"balanced\" or a list of numbers (one per label)"));
    assertTrue(refusedOverride("loop", "3").contains("loop is a group of settings; set one of its fields, e.g. loop.epochs"));
    // a record built in code is checked too: a missing string is a clear error, not a NullPointerException
    assertThrows(JtuneException.class, () -> new TrainingConfig.Head(null, 0.1, 1, 0));
  }

  @Test
  void aKeyGivenTwiceInTheConfigFileIsRefused() throws Exception {
    // before: the last of the two silently won
    Path f = dir.resolve("c.json");
    assertEquals(f + ":3: key 'loop.epochs' appears twice in one object; keep only one of them",
        refusedFile("{\"loop\": {\n  \"epochs\": 3,\n  \"epochs\": 5\n}}"));
  }

  @Test
  void unknownFieldsNameTheNearestKnownOne() throws Exception {
    Path f = dir.resolve("c.json");
    assertEquals(f + ": unknown config field 'optimizer.lr'; did you mean optimizer.learning_rate? see jtune train --list-options",
        refusedFile("{\"optimizer\": {\"lr\": 0.1}}"));
    assertEquals(f + ": unknown config field 'epochs'; did you mean loop.epochs? see jtune train --list-options",
        refusedFile("{\"epochs\": 3}"));
    assertEquals("command line: unknown config field 'loop.epoch'; did you mean loop.epochs? see jtune train --list-options",
        refusedOverride("loop.epoch", "3"));
    assertEquals("command line: unknown config field 'optimizer.warp_drive'; see jtune train --list-options",
        refusedOverride("optimizer.warp_drive", "3"));
  }

  @Test
  void registryFieldsListEveryNameWithItsHelpAndRefuseOthers() {
    Map<String, TrainingConfig.Field> fields = new java.util.HashMap<>();
    TrainingConfig.describe().forEach(f -> fields.put(f.key(), f));
    for (ScheduleKind k : ScheduleKind.values()) {
      assertTrue(fields.get("schedule.kind").help().contains(k.jsonName() + " = " + k.help()), fields.get("schedule.kind").help());
    }
    for (Pooling p : Pooling.values()) {
      assertTrue(fields.get("head.pooling").help().contains(p.jsonName() + " = " + p.help()), fields.get("head.pooling").help());
    }
    assertEquals(ScheduleKind.class, fields.get("schedule.kind").type());
    assertEquals("config: training config field schedule.kind = step: must be constant, linear or cosine",
        refusedOverride("schedule.kind", "step"));
    assertEquals("config: training config field head.pooling = CLS: must be cls or mean", refusedOverride("head.pooling", "CLS"),
        "names are exact, as written in classifier.json");
    assertEquals(ScheduleKind.CONSTANT, TrainingConfig.resolve(null, Map.of("schedule.kind", "constant")).schedule().kind());
  }

  @Test
  void truncationDefaultsToHeadAndHeadTailResolvesItsAutoHead() {
    TrainingConfig.Tokens defaults = TrainingConfig.defaults().tokens();
    assertEquals(Truncation.HEAD, defaults.truncation());
    assertEquals(-1, defaults.headTokens());
    assertEquals(-1, defaults.resolvedHeadTokens(), "head has no head length");
    TrainingConfig auto = TrainingConfig.resolve(null, Map.of("tokens.truncation", "head+tail"));
    assertEquals(Truncation.HEAD_TAIL, auto.tokens().truncation());
    assertEquals(64, auto.tokens().resolvedHeadTokens(), "a quarter of 254");
    TrainingConfig sun = TrainingConfig.resolve(null, Map.of("tokens.truncation", "head+tail", "tokens.max_seq_len", 512));
    assertEquals(128, sun.tokens().resolvedHeadTokens());
    TrainingConfig given = TrainingConfig.resolve(null, Map.of("tokens.truncation", "head+tail", "tokens.head_tokens", "200"));
    assertEquals(200, given.tokens().resolvedHeadTokens());
    Path f = dir.resolve("config.json");
    given.write(f);
    assertEquals(given, TrainingConfig.read(f));
  }

  @Test
  void aHeadLengthThatCannotBeOrWouldBeIgnoredIsRefused() {
    for (String bad : List.of("0", "254", "-2")) {
      assertEquals("config: training config field tokens.head_tokens = " + bad + ": must be between 1 and 253 (max_seq_len - 3) "
          + "for max_seq_len 256, so head and tail each keep a token (or -1 = auto)",
          assertThrows(JtuneException.class, () -> TrainingConfig.resolve(null,
              Map.of("tokens.truncation", "head+tail", "tokens.head_tokens", bad))).getMessage());
    }
    assertEquals("config: training config field tokens.head_tokens = 10: is only used with tokens.truncation head+tail (this run "
        + "truncates tail); remove it or pass --truncation head+tail",
        assertThrows(JtuneException.class, () -> TrainingConfig.resolve(null,
            Map.of("tokens.truncation", "tail", "tokens.head_tokens", 10))).getMessage());
    assertTrue(refusedOverride("tokens.head_tokens", 10).contains("this run truncates head"));
    assertEquals("config: training config field tokens.truncation = head+tail: head+tail needs max_seq_len >= 4 (got 3)",
        assertThrows(JtuneException.class, () -> TrainingConfig.resolve(null,
            Map.of("tokens.truncation", "head+tail", "tokens.max_seq_len", 3))).getMessage());
    assertEquals("config: training config field tokens.truncation = middle: must be head, tail or head+tail",
        refusedOverride("tokens.truncation", "middle"));
    String help = TrainingConfig.describe().stream().filter(x -> x.key().equals("tokens.truncation")).findFirst().orElseThrow().help();
    for (Truncation t : Truncation.values()) assertTrue(help.contains(t.jsonName() + " = " + t.help()), help);
  }

  @Test
  void classWeightsKeepTheirThreeJsonForms() throws Exception {
    for (String given : List.of("none", "balanced", "[1.0, 3.5]")) {
      TrainingConfig c = TrainingConfig.resolve(null, Map.of("loss.class_weights", given));
      Path f = dir.resolve("config.json");
      c.write(f);
      assertEquals(c, TrainingConfig.read(f));
      assertEquals(given.startsWith("[") ? given.replace(" ", "") : "\"" + given + "\"",
          com.fasterxml.jackson.databind.json.JsonMapper.builder().build().readTree(Files.readString(f)).at("/loss/class_weights").toString());
    }
    assertEquals(ClassWeights.NONE, TrainingConfig.defaults().loss().classWeights());
    assertEquals(ClassWeights.BALANCED, TrainingConfig.resolve(null, Map.of("loss.class_weights", "balanced")).loss().classWeights());
    assertEquals(new ClassWeights.PerLabel(List.of(1.0, 3.0)),
        TrainingConfig.resolve(null, Map.of("loss.class_weights", "[1, 3]")).loss().classWeights(), "whole numbers are weights too");
  }

  @Test
  void classWeightsNeedOneWeightPerLabel() {
    TrainingConfig one = TrainingConfig.resolve(null, Map.of("loss.class_weights", "[1.0]"));
    JtuneException e = assertThrows(JtuneException.class, () -> one.requireFitsLabels(List.of("ham", "spam")));
    assertEquals("loss.class_weights has 1 value but the dataset has 2 labels [ham, spam]; give one weight per label, "
        + "in the order of labels.txt", e.getMessage());
    TrainingConfig.resolve(null, Map.of("loss.class_weights", "[1.0, 2]")).requireFitsLabels(List.of("ham", "spam"));
    TrainingConfig.resolve(null, Map.of("loss.class_weights", "balanced")).requireFitsLabels(List.of("ham", "spam"));
    assertTrue(refusedOverride("loss.class_weights", "[]").contains("loss.class_weights"));
    assertTrue(refusedOverride("loss.class_weights", "[1, -2]").contains("positive"));
  }

  @Test
  void aCutStudentKeepsTheLayersItsLayerMapNames() {
    java.util.function.BiFunction<Integer, String, int[]> kept = (k, map) -> TrainerTest.config(Map.of("distillation.teacher", "t",
        "distillation.student_layers", k, "distillation.layer_map", map)).distillation().keptLayers(12);
    org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {1, 3, 5, 7, 9, 11}, kept.apply(6, "spread"));
    org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {3, 7, 11}, kept.apply(3, "spread"));
    org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {0, 1, 2}, kept.apply(3, "bottom"));
    org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {0, 4, 8}, kept.apply(3, "0, 4,8"));
    assertThrows(JtuneException.class, () -> kept.apply(3, "0,4"));
    assertThrows(JtuneException.class, () -> kept.apply(2, "4,0"));
    assertThrows(JtuneException.class, () -> kept.apply(13, "spread"));
    assertThrows(JtuneException.class, () -> TrainerTest.config(Map.of("distillation.student_layers", 3)));
    assertThrows(JtuneException.class, () -> TrainerTest.config(Map.of("distillation.teacher", "t", "distillation.alpha", 1.5)));
  }
}
