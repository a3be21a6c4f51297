package dev.jtune.data;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.jtune.artifact.Truncation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Turns text into BERT input ids with a local Hugging Face {@code tokenizer.json} (WordPiece for the
 * BERT family): adds [CLS]/[SEP], truncates to {@code maxSeqLen}. Padding is done per batch by
 * {@link TokenBatch}, never by the tokenizer, so short batches stay short. Owns native memory:
 * close it.
 */
public final class TextTokenizer implements AutoCloseable {
  private final HuggingFaceTokenizer tokenizer;
  private final int maxSeqLen;

  private TextTokenizer(HuggingFaceTokenizer tokenizer, int maxSeqLen) {
    this.tokenizer = tokenizer;
    this.maxSeqLen = maxSeqLen;
  }

  /** Loads a tokenizer.json from disk (never from a model hub). */
  public static TextTokenizer load(Path tokenizerJson, int maxSeqLen) {
    if (maxSeqLen < 2) throw new IllegalArgumentException("maxSeqLen must be >= 2 ([CLS] and [SEP]), got " + maxSeqLen);
    if (!Files.isRegularFile(tokenizerJson)) {
      throw new dev.jtune.JtuneException(tokenizerJson + ": tokenizer file not found; pass the tokenizer.json of the model");
    }
    // The file's own truncation/padding settings are not applied reliably: set both explicitly.
    Map<String, String> options =
        Map.of(
            "addSpecialTokens", "true",
            "truncation", "true",
            "padding", "false",
            "maxLength", Integer.toString(maxSeqLen),
            "modelMaxLength", Integer.toString(maxSeqLen));
    try {
      return new TextTokenizer(HuggingFaceTokenizer.newInstance(tokenizerJson, options), maxSeqLen);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + tokenizerJson, e);
    }
  }

  /**
   * Loads a tokenizer.json that keeps, of a text longer than {@code maxSeqLen} tokens, the ones
   * {@code truncation} names (as a classifier's {@code classifier.json} says).
   */
  public static TextTokenizer load(Path tokenizerJson, int maxSeqLen, Truncation truncation) {
    return switch (truncation) {
      case HEAD -> load(tokenizerJson, maxSeqLen);
    };
  }

  public int maxSeqLen() {
    return maxSeqLen;
  }

  /** Token ids including [CLS] and [SEP], at most {@link #maxSeqLen()} of them. */
  public int[] encode(String text) {
    return toInts(tokenizer.encode(text));
  }

  /** Encodes and pads a list of texts into one batch. */
  public TokenBatch batch(List<String> texts) {
    List<int[]> ids = new ArrayList<>(texts.size());
    if (!texts.isEmpty()) {
      for (Encoding e : tokenizer.batchEncode(texts)) ids.add(toInts(e));
    }
    return TokenBatch.of(ids);
  }

  private static int[] toInts(Encoding encoding) {
    long[] ids = encoding.getIds();
    int[] out = new int[ids.length];
    for (int i = 0; i < ids.length; i++) out[i] = Math.toIntExact(ids[i]);
    return out;
  }

  @Override
  public void close() {
    tokenizer.close();
  }
}
