package dev.jtune.model;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

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
  static List<int[]> encode(Path tokenizerJson, List<String> texts) throws IOException {
    try (HuggingFaceTokenizer tok = HuggingFaceTokenizer.newInstance(tokenizerJson,
        Map.of("padding", "false", "truncation", "true", "maxLength", "128"))) {
      List<int[]> out = new ArrayList<>();
      for (String t : texts) {
        Encoding e = tok.encode(t);
        long[] ids = e.getIds();
        int[] a = new int[ids.length];
        for (int i = 0; i < ids.length; i++) a[i] = (int) ids[i];
        out.add(a);
      }
      return out;
    }
  }

  /** Real English sentences of mixed lengths (a few words to well over 100 tokens). */
  static final List<String> SENTENCES = SampleSentences.all();
}
