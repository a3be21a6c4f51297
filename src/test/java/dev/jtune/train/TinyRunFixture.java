package dev.jtune.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jtune.model.EncoderSavedModel;
import dev.jtune.model.PretrainedEncoder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/**
 * Folders for end-to-end tests: a WordPiece tokenizer.json whose vocabulary is {@code w4 .. w99}, the
 * tiny random encoder as an encoder SavedModel, and a prepared dataset of the toy task as text.
 */
final class TinyRunFixture {
  private TinyRunFixture() {}

  /** A BERT-style tokenizer.json: [PAD]=0 [UNK]=1 [CLS]=2 [SEP]=3, then word "wN" = id N. */
  static Path tokenizer(Path dir) throws IOException {
    ObjectMapper m = new ObjectMapper();
    ObjectNode root = m.createObjectNode();
    root.put("version", "1.0");
    root.putNull("truncation");
    root.putNull("padding");
    ArrayNode added = root.putArray("added_tokens");
    String[] special = {"[PAD]", "[UNK]", "[CLS]", "[SEP]"};
    for (int i = 0; i < special.length; i++) {
      added.addObject().put("id", i).put("content", special[i]).put("single_word", false).put("lstrip", false)
          .put("rstrip", false).put("normalized", false).put("special", true);
    }
    root.putObject("normalizer").put("type", "BertNormalizer").put("clean_text", true).put("handle_chinese_chars", true)
        .putNull("strip_accents").put("lowercase", true);
    root.putObject("pre_tokenizer").put("type", "BertPreTokenizer");
    ObjectNode post = root.putObject("post_processor");
    post.put("type", "TemplateProcessing");
    ArrayNode single = post.putArray("single");
    single.addObject().putObject("SpecialToken").put("id", "[CLS]").put("type_id", 0);
    single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
    single.addObject().putObject("SpecialToken").put("id", "[SEP]").put("type_id", 0);
    ArrayNode pair = post.putArray("pair");
    pair.addObject().putObject("SpecialToken").put("id", "[CLS]").put("type_id", 0);
    pair.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
    pair.addObject().putObject("SpecialToken").put("id", "[SEP]").put("type_id", 0);
    pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
    pair.addObject().putObject("SpecialToken").put("id", "[SEP]").put("type_id", 1);
    ObjectNode st = post.putObject("special_tokens");
    st.putObject("[CLS]").put("id", "[CLS]").set("ids", m.createArrayNode().add(2));
    ((ObjectNode) st.get("[CLS]")).set("tokens", m.createArrayNode().add("[CLS]"));
    st.putObject("[SEP]").put("id", "[SEP]").set("ids", m.createArrayNode().add(3));
    ((ObjectNode) st.get("[SEP]")).set("tokens", m.createArrayNode().add("[SEP]"));
    root.putObject("decoder").put("type", "WordPiece").put("prefix", "##").put("cleanup", true);
    ObjectNode model = root.putObject("model");
    model.put("type", "WordPiece").put("unk_token", "[UNK]").put("continuing_subword_prefix", "##")
        .put("max_input_chars_per_word", 100);
    ObjectNode vocab = model.putObject("vocab");
    for (int i = 0; i < special.length; i++) vocab.put(special[i], i);
    for (int i = 4; i < TinyEncoder.CONFIG.vocabSize(); i++) vocab.put("w" + i, i);
    Path f = dir.resolve("tokenizer.json");
    Files.createDirectories(dir);
    m.writeValue(f.toFile(), root);
    return f;
  }

  /** The tiny random encoder as {@code <dir>/tiny-encoder}, in the encoder SavedModel layout. */
  static Path encoder(Path dir) throws IOException {
    Path tok = tokenizer(dir.resolve("tok"));
    Path out = dir.resolve("tiny-encoder");
    EncoderSavedModel.write(out, new PretrainedEncoder(TinyEncoder.CONFIG, TrainerTest.PRETRAINED), tok);
    return out;
  }

  /** The toy task as a prepared dataset: label "marked" iff the text contains w7. */
  static Path dataset(Path dir, int train, int val, int test) throws IOException {
    Path d = dir.resolve("toy");
    Files.createDirectories(d);
    Files.writeString(d.resolve("labels.txt"), "plain\nmarked\n");
    Random r = new Random(3);
    for (var split : List.of(List.of("train", train), List.of("val", val), List.of("test", test))) {
      StringBuilder csv = new StringBuilder("text,label\n");
      for (int i = 0; i < (int) split.get(1); i++) csv.append(toyRow(r)).append('\n');
      Files.writeString(d.resolve(split.get(0) + ".csv"), csv.toString());
    }
    Files.writeString(d.resolve("prepare-report.json"), "{}\n");
    return d;
  }

  static String toyRow(Random r) {
    boolean marked = r.nextBoolean();
    int len = 4 + r.nextInt(14);
    String[] words = new String[len];
    for (int j = 0; j < len; j++) words[j] = "w" + (8 + r.nextInt(92));
    if (marked) for (int k = 0; k < 1 + len / 4; k++) words[r.nextInt(len)] = "w7";
    return String.join(" ", words) + "," + (marked ? "marked" : "plain");
  }
}
