package dev.jtune.data;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.jtune.artifact.Truncation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns text into BERT input ids with a local Hugging Face {@code tokenizer.json} (WordPiece for the
 * BERT family): adds [CLS]/[SEP] and keeps at most {@code maxSeqLen} ids of a longer text, as its
 * {@link TokenTruncation} says. Head truncation is the tokenizer's own; tail and head+tail encode the
 * whole text and keep their tokens here. Padding is done per batch by {@link TokenBatch}, never by
 * the tokenizer, so short batches stay short. Owns native memory: close it.
 */
public final class TextTokenizer implements AutoCloseable {
  private final HuggingFaceTokenizer tokenizer;
  private final TokenTruncation truncation;

  private TextTokenizer(HuggingFaceTokenizer tokenizer, TokenTruncation truncation) {
    this.tokenizer = tokenizer;
    this.truncation = truncation;
  }

  /** Loads a tokenizer.json from disk (never from a model hub) that keeps the first tokens of a longer text. */
  public static TextTokenizer load(Path tokenizerJson, int maxSeqLen) {
    return load(tokenizerJson, TokenTruncation.head(maxSeqLen));
  }

  /**
   * Loads a tokenizer.json that keeps, of a text longer than {@code maxSeqLen} tokens, the ones
   * {@code truncation} names (as a classifier's {@code classifier.json} says, see {@link
   * TokenTruncation#of(dev.jtune.artifact.ClassifierSpec)}).
   */
  public static TextTokenizer load(Path tokenizerJson, TokenTruncation truncation) {
    if (!Files.isRegularFile(tokenizerJson)) {
      throw new dev.jtune.JtuneException(tokenizerJson + ": tokenizer file not found; pass the tokenizer.json of the model");
    }
    // The file's own truncation/padding settings are not applied reliably: set both explicitly. With
    // truncation "false" the tokenizer disables the file's truncation too and still adds [CLS]/[SEP].
    boolean byTokenizer = truncation.strategy() == Truncation.HEAD;
    Map<String, String> options = new HashMap<>(Map.of(
        "addSpecialTokens", "true",
        "truncation", Boolean.toString(byTokenizer),
        "padding", "false"));
    if (byTokenizer) {
      options.put("maxLength", Integer.toString(truncation.maxSeqLen()));
      options.put("modelMaxLength", Integer.toString(truncation.maxSeqLen()));
    }
    try {
      return new TextTokenizer(HuggingFaceTokenizer.newInstance(tokenizerJson, options), truncation);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + tokenizerJson, e);
    }
  }

  public int maxSeqLen() {
    return truncation.maxSeqLen();
  }

  /** Which ids of a longer text this tokenizer keeps. */
  public TokenTruncation truncation() {
    return truncation;
  }

  /** Token ids including [CLS] and [SEP], at most {@link #maxSeqLen()} of them. */
  public int[] encode(String text) {
    return truncation.apply(toInts(tokenizer.encode(text)));
  }

  /** Encodes and pads a list of texts into one batch. */
  public TokenBatch batch(List<String> texts) {
    List<int[]> ids = new ArrayList<>(texts.size());
    if (!texts.isEmpty()) {
      for (Encoding e : tokenizer.batchEncode(texts)) ids.add(truncation.apply(toInts(e)));
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
