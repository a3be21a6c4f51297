package dev.jtune.model;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.jtune.data.LabeledText;
import dev.jtune.data.PreparedDataset;
import dev.jtune.data.TextTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The two real pretrained encoders (ONNX originals unpacked by {@code make savedmodels}) and real sentences. */
final class RealEncoders {
  static final List<String> NAMES = List.of("all-minilm-l6-v2", "bge-small-en-v1.5");

  private RealEncoders() {}

  /** Skips when real tests are switched off (-Djtune.test.real=false); fails when the files are absent. */
  static Path cacheDir(String name) {
    assumeFalse("false".equals(System.getProperty("jtune.test.real")), "real-weights tests switched off");
    Path dir = Path.of("savedmodels", ".cache", name);
    assertTrue(Files.isRegularFile(dir.resolve(name + ".onnx")), dir + " has no ONNX file: run `make savedmodels` first");
    return dir;
  }

  static Path onnx(String name) {
    return cacheDir(name).resolve(name + ".onnx");
  }

  static Path tokenizer(String name) {
    return cacheDir(name).resolve(name + "-tokenizer.json");
  }

  /** Token ids (with [CLS]/[SEP], truncated to 128) of each sentence, by the model's own tokenizer.json. */
  static List<int[]> encode(Path tokenizerJson, List<String> texts) {
    try (TextTokenizer tok = TextTokenizer.load(tokenizerJson, 128)) {
      return texts.stream().map(tok::encode).toList();
    }
  }

  /**
   * Real English sentences of mixed lengths (a few words to well over 100 tokens): the built-in
   * sample, plus the first 48 State of the Union sentences of datasets/sotu when it is prepared.
   */
  static final List<String> SENTENCES = sentences();

  private static List<String> sentences() {
    List<String> out = new java.util.ArrayList<>(SampleSentences.all());
    Path sotu = Path.of("datasets", "sotu");
    if (Files.isRegularFile(sotu.resolve("test.csv"))) {
      PreparedDataset.load(sotu).split("test").stream().limit(48).map(LabeledText::text).forEach(out::add);
    }
    return List.copyOf(out);
  }
}
