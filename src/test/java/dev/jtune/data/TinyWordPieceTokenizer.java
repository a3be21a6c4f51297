package dev.jtune.data;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * A BERT-style WordPiece {@code tokenizer.json} (Hugging Face tokenizers format) over a given
 * vocabulary, for tests that need a real tokenizer file for a tiny model. The vocabulary starts
 * with [PAD] [UNK] [CLS] [SEP] (ids 0-3); every entry in square brackets is a special token.
 */
public final class TinyWordPieceTokenizer {
  private TinyWordPieceTokenizer() {}

  public static String json(List<String> vocabulary) {
    if (vocabulary.size() < 4 || !vocabulary.subList(0, 4).equals(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]"))) {
      throw new IllegalArgumentException("the vocabulary must start with [PAD] [UNK] [CLS] [SEP]");
    }
    ObjectMapper m = new ObjectMapper();
    ObjectNode root = m.createObjectNode();
    root.put("version", "1.0");
    root.putNull("truncation");
    root.putNull("padding");
    ArrayNode added = root.putArray("added_tokens");
    for (int i = 0; i < vocabulary.size(); i++) {
      String t = vocabulary.get(i);
      if (!t.startsWith("[") || !t.endsWith("]")) continue;
      added.addObject().put("id", i).put("content", t).put("single_word", false).put("lstrip", false)
          .put("rstrip", false).put("normalized", false).put("special", true);
    }
    root.putObject("normalizer").put("type", "BertNormalizer").put("clean_text", true)
        .put("handle_chinese_chars", true).putNull("strip_accents").put("lowercase", true);
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
    for (String t : List.of("[CLS]", "[SEP]")) {
      ObjectNode s = st.putObject(t).put("id", t);
      s.putArray("ids").add(vocabulary.indexOf(t));
      s.putArray("tokens").add(t);
    }
    root.putObject("decoder").put("type", "WordPiece").put("prefix", "##").put("cleanup", true);
    ObjectNode model = root.putObject("model");
    model.put("type", "WordPiece").put("unk_token", "[UNK]").put("continuing_subword_prefix", "##")
        .put("max_input_chars_per_word", 100);
    ObjectNode vocab = model.putObject("vocab");
    for (int i = 0; i < vocabulary.size(); i++) vocab.put(vocabulary.get(i), i);
    return root.toPrettyString();
  }
}
