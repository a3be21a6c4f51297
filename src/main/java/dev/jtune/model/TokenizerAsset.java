package dev.jtune.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jtune.JtuneException;
import dev.jtune.data.StrictJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The Hugging Face {@code tokenizer.json} stored with a model. On import its padding and truncation
 * settings are made uniform, because the files in the wild disagree (one pads every text to 128,
 * another sets nothing): padding is removed (jtune pads each batch to its own longest text) and
 * truncation is set to the encoder's {@code max_position_embeddings}, so the asset works as is in any
 * Hugging Face tokenizer runtime.
 */
public final class TokenizerAsset {

  private static final ObjectMapper JSON = new ObjectMapper();

  private TokenizerAsset() {}

  /**
   * Writes {@code source} to {@code target} with padding off and truncation at {@code config}'s
   * maximum positions, after checking that its vocabulary fits the encoder's embedding table.
   */
  public static void writeNormalized(Path source, Path target, BertConfig config) throws IOException {
    if (!Files.isRegularFile(source)) {
      throw new JtuneException(source + ": tokenizer file not found; pass the tokenizer.json that ships with the model");
    }
    // strict: a vocabulary listing a token twice would otherwise keep one of its ids silently
    JsonNode root = StrictJson.parse(source, 1, Files.readString(source), "pass the tokenizer.json that ships with the model");
    if (!(root instanceof ObjectNode obj) || !root.path("model").isObject()) {
      throw new JtuneException(source + ": not a Hugging Face tokenizer.json (no \"model\" object)");
    }
    JsonNode vocab = root.path("model").path("vocab");
    if (vocab.isObject()) {
      int maxId = -1;
      for (JsonNode id : vocab) maxId = Math.max(maxId, id.asInt());
      if (maxId >= config.vocabSize()) {
        throw new JtuneException(source + ": token id " + maxId + " does not fit the encoder's vocab_size "
            + config.vocabSize() + "; use the tokenizer that belongs to this model");
      }
    }
    obj.putNull("padding");
    ObjectNode truncation = obj.putObject("truncation");
    truncation.put("direction", "Right");
    truncation.put("max_length", config.maxPositionEmbeddings());
    truncation.put("strategy", "LongestFirst");
    truncation.put("stride", 0);
    Files.createDirectories(target.toAbsolutePath().getParent());
    JSON.writerWithDefaultPrettyPrinter().writeValue(target.toFile(), obj);
  }
}
