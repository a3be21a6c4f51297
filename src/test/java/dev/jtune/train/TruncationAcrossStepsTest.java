package dev.jtune.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jtune.artifact.ClassifierSpec;
import dev.jtune.artifact.Pooling;
import dev.jtune.artifact.Truncation;
import dev.jtune.cli.Main;
import dev.jtune.data.LabeledText;
import dev.jtune.data.PreparedDataset;
import dev.jtune.data.TextTokenizer;
import dev.jtune.data.TokenTruncation;
import dev.jtune.export.EvaluationSet;
import dev.jtune.export.ExportConfig;
import dev.jtune.export.ModelExporter;
import dev.jtune.export.TrainedRun;
import dev.jtune.predict.TextClassifier;
import dev.jtune.serve.ClassifierAssets;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A classifier trained with tail or head+tail truncation is fed the same token ids everywhere: by
 * training (seen through the feature cache, whose files are named by the ids), by {@code jtune
 * evaluate}'s {@link TextClassifier}, by the parity set of {@code jtune export} and by the assets
 * {@code jtune score} and {@code jtune serve} load from the exported version. The expected ids are
 * written out here from the words ("wN" is id N, [CLS] = 2, [SEP] = 3).
 */
class TruncationAcrossStepsTest {
  static final int MAX_SEQ_LEN = 8, HEAD_TOKENS = 2;
  @TempDir static Path dir;
  static Path data, headTailRun, tailRun, headRun, exported;

  @BeforeAll
  static void trainAndExport() throws Exception {
    Path encoder = TinyRunFixture.encoder(dir);
    data = TinyRunFixture.dataset(dir, 48, 16, 16); // 4 to 17 words a text: most are longer than 6
    headTailRun = train("head-tail", "--truncation", "head+tail", "--head-tokens", Integer.toString(HEAD_TOKENS));
    tailRun = train("tail", "--truncation", "tail");
    headRun = train("head");
    ExportConfig c = ExportConfig.of(headTailRun).withOut(dir.resolve("exports")).withFormats("savedmodel").toBuilder().data(data).build();
    exported = ModelExporter.export(c, new PrintWriter(new StringWriter())).versionDir();
    assertTrue(Files.isDirectory(exported), exported.toString());
  }

  private static Path train(String name, String... truncation) {
    Path run = dir.resolve("runs").resolve(name);
    List<String> args = new java.util.ArrayList<>(List.of("train", "--model", dir.resolve("tiny-encoder").toString(), "--data",
        data.toString(), "--out", run.toString(), "--epochs", "1", "--batch-size", "16", "--max-seq-len",
        Integer.toString(MAX_SEQ_LEN), "--no-progress"));
    args.addAll(List.of(truncation));
    assertEquals(0, Main.run(args.toArray(String[]::new)), name);
    return run;
  }

  /** [CLS] + the kept word ids + [SEP], from the words themselves. */
  static int[] expected(String text, Truncation strategy) {
    int[] words = Arrays.stream(text.split(" ")).mapToInt(w -> Integer.parseInt(w.substring(1))).toArray();
    int room = MAX_SEQ_LEN - 2;
    int[] kept = words.length <= room ? words : switch (strategy) {
      case HEAD -> Arrays.copyOfRange(words, 0, room);
      case TAIL -> Arrays.copyOfRange(words, words.length - room, words.length);
      case HEAD_TAIL -> java.util.stream.IntStream.concat(Arrays.stream(words, 0, HEAD_TOKENS),
          Arrays.stream(words, words.length - (room - HEAD_TOKENS), words.length)).toArray();
    };
    int[] out = new int[kept.length + 2];
    out[0] = 2;
    System.arraycopy(kept, 0, out, 1, kept.length);
    out[out.length - 1] = 3;
    return out;
  }

  static List<int[]> expectedSplit(String split, Truncation strategy) {
    return PreparedDataset.load(data).split(split).stream().map(t -> expected(t.text(), strategy)).toList();
  }

  static List<String> texts(String split) {
    return PreparedDataset.load(data).split(split).stream().map(LabeledText::text).toList();
  }

  @Test
  void classifierJsonSaysHowTheRunTruncated() {
    ClassifierSpec headTail = ClassifierSpec.readIn(headTailRun.resolve("model/assets"));
    assertEquals(Truncation.HEAD_TAIL, headTail.truncation());
    assertEquals(HEAD_TOKENS, headTail.headTokens());
    assertEquals(MAX_SEQ_LEN, headTail.maxSeqLen());
    assertEquals(headTail, ClassifierSpec.readIn(exported.resolve(TextClassifier.EXPORT_ASSETS)), "export copies it as it is");
    ClassifierSpec tail = ClassifierSpec.readIn(tailRun.resolve("model/assets"));
    assertEquals(Truncation.TAIL, tail.truncation());
    assertEquals(0, tail.headTokens());
    assertEquals(new ClassifierSpec(Pooling.MEAN, 2, List.of("plain", "marked"), MAX_SEQ_LEN),
        ClassifierSpec.readIn(headRun.resolve("model/assets")), "head stays the default");
  }

  @Test
  void trainingFedTheTruncatedIdsToTheEncoder() {
    // a feature file is named by its token ids: the one of the expected ids exists, per strategy and split
    String digest = FeatureCache.encoderDigest(TinyEncoder.CONFIG, TrainerTest.PRETRAINED);
    String features = CachedFeatures.featureName(Pooling.MEAN, 2);
    Path cache = dir.resolve("runs/.feature-cache");
    for (Truncation t : Truncation.values()) {
      for (String split : List.of("train", "val")) {
        Path file = cache.resolve(FeatureCache.key(digest, features, expectedSplit(split, t)) + ".f32");
        assertTrue(Files.isRegularFile(file), t + " " + split + ": " + file);
      }
    }
  }

  @Test
  void theCacheKeyChangesWithTheTruncation() {
    String digest = FeatureCache.encoderDigest(TinyEncoder.CONFIG, TrainerTest.PRETRAINED);
    String features = CachedFeatures.featureName(Pooling.MEAN, 2);
    List<String> keys = Arrays.stream(Truncation.values()).map(t -> FeatureCache.key(digest, features, expectedSplit("train", t))).toList();
    assertEquals(3, keys.stream().distinct().count(), keys.toString());
    try (var files = java.nio.file.Files.list(dir.resolve("runs/.feature-cache"))) {
      assertEquals(6, files.filter(f -> f.toString().endsWith(".f32")).count(), "3 strategies x (train, val)");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    // texts that all fit keep the same ids, and so share their features, under every strategy
    List<LabeledText> shortTexts = List.of(new LabeledText("w9 w10 w11", 0, ""), new LabeledText("w40", 1, ""));
    Path tokenizer = dir.resolve("tok/tokenizer.json");
    try (TextTokenizer head = TextTokenizer.load(tokenizer, MAX_SEQ_LEN);
        TextTokenizer tail = TextTokenizer.load(tokenizer, TokenTruncation.of(Truncation.TAIL, MAX_SEQ_LEN, -1))) {
      assertEquals(FeatureCache.key(digest, features, TrainingRun.encode(head, shortTexts).tokenIds()),
          FeatureCache.key(digest, features, TrainingRun.encode(tail, shortTexts).tokenIds()));
    }
  }

  @Test
  void evaluateExportAndServeTokenizeAsTrainingDid() {
    List<String> test = texts("test");
    List<int[]> want = expectedSplit("test", Truncation.HEAD_TAIL);
    assertTrue(want.stream().filter(ids -> ids.length == MAX_SEQ_LEN).count() > test.size() / 2, "most test texts are cut");
    // jtune evaluate (and the run's own test metrics)
    try (TextClassifier evaluate = TextClassifier.load(headTailRun.resolve("model"))) {
      for (int i = 0; i < test.size(); i++) assertArrayEquals(want.get(i), evaluate.encode(test.get(i)), "evaluate: " + test.get(i));
    }
    // jtune export's parity set, as ModelExporter makes it
    TrainedRun run = TrainedRun.load(headTailRun);
    EvaluationSet parity = EvaluationSet.fromDataset(data, "test", run.asset(run.classifier().tokenizer()), run.classifier(), 0);
    for (int i = 0; i < test.size(); i++) assertArrayEquals(want.get(i), parity.tokenIds().get(i), "export: " + test.get(i));
    // jtune score / serve, from the exported version
    try (ClassifierAssets serve = ClassifierAssets.load(exported.resolve(TextClassifier.EXPORT_ASSETS))) {
      for (int i = 0; i < test.size(); i++) assertArrayEquals(want.get(i), serve.encode(test.get(i)), "serve: " + test.get(i));
    }
    // and the tail run keeps other ids than head+tail for the same long text
    try (TextClassifier tail = TextClassifier.load(tailRun.resolve("model"))) {
      String longest = test.stream().max(java.util.Comparator.comparingInt(String::length)).orElseThrow();
      assertArrayEquals(expected(longest, Truncation.TAIL), tail.encode(longest));
      assertNotEquals(Arrays.toString(expected(longest, Truncation.HEAD_TAIL)), Arrays.toString(tail.encode(longest)));
    }
  }
}
