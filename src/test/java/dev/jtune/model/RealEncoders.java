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
  static final List<String> SENTENCES = List.of(
      "Thank you.",
      "The meeting is cancelled.",
      "Can you send me the report by Friday?",
      "Our quarterly revenue grew by twelve percent compared with last year.",
      "The train to Boston leaves from platform nine at half past seven.",
      "I have been trying to reach you about your car's extended warranty.",
      "Congratulations! You have won a free cruise to the Bahamas, click here to claim your prize now.",
      "The committee will review all applications and announce the results in early March.",
      "Please find attached the minutes of yesterday's board meeting.",
      "It rained all weekend, so we stayed inside and played board games with the kids.",
      "The new library opens on Monday and will offer free computer classes for seniors.",
      "Scientists have discovered a new species of frog in the rainforests of Ecuador.",
      "We the People of the United States, in Order to form a more perfect Union, establish Justice, insure domestic "
          + "Tranquility, provide for the common defence, promote the general Welfare, and secure the Blessings of Liberty "
          + "to ourselves and our Posterity, do ordain and establish this Constitution for the United States of America.",
      "The patch fixes a memory leak in the connection pool that appeared under heavy load.",
      "Unsubscribe from this mailing list at any time by replying with the word STOP.",
      "My flight was delayed by three hours because of a storm over Chicago.",
      "The recipe calls for two cups of flour, one egg, and a pinch of salt.",
      "Interest rates remained unchanged after the central bank's meeting on Wednesday.",
      "He walked slowly along the beach, watching the waves roll in under the grey sky.",
      "Your account has been suspended; verify your password immediately to avoid permanent closure.",
      "The museum's new exhibit explores the history of printing from Gutenberg to the present day.",
      "Let's grab lunch at the Italian place around the corner.",
      "Four score and seven years ago our fathers brought forth on this continent, a new nation, conceived in Liberty, "
          + "and dedicated to the proposition that all men are created equal. Now we are engaged in a great civil war, "
          + "testing whether that nation, or any nation so conceived and so dedicated, can long endure.",
      "The software update will be installed automatically tonight between midnight and two in the morning.",
      "Children under twelve must be accompanied by an adult.",
      "The orchestra performed Beethoven's Fifth Symphony to a sold-out audience.",
      "We regret to inform you that the position has been filled.",
      "Local farmers are worried that the dry summer will reduce this year's harvest.",
      "The server returned an error because the request body was not valid JSON.",
      "Earn money from home with this simple trick that banks do not want you to know about!",
      "The hikers reached the summit just before sunset and camped near the lake.",
      "Ask not what your country can do for you; ask what you can do for your country.",
      "The bridge will be closed for repairs for the next six weeks, and drivers should expect delays on the detour "
          + "through the industrial district, especially during the morning and evening rush hours.",
      "Her novel was translated into more than thirty languages.",
      "Please remember to water the plants while I'm away.",
      "The hospital has hired twenty new nurses to cope with the winter surge in patients.",
      "Yes.",
      "In the long history of the world, only a few generations have been granted the role of defending freedom in its "
          + "hour of maximum danger. I do not shrink from this responsibility; I welcome it.",
      "The package was delivered to the wrong address, so I called customer service.",
      "Students who complete the course will receive a certificate signed by the dean.");
}
