package dev.jtune.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.jtune.JtuneException;
import dev.jtune.data.StrictJson;
import dev.jtune.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.ndarray.Shape;

/**
 * Architecture of a BERT-style encoder, stored next to its weights as {@code bert_config.json}
 * (field names as in the original BERT release, plus {@code pooler} and {@code layer_shapes}).
 *
 * <p>Every layer has {@code numAttentionHeads} heads and an {@code intermediateSize} wide
 * feed-forward block unless {@code layerShapes} says otherwise per layer, as after structured
 * pruning. A head keeps its width {@link #headSize()} = hidden / numAttentionHeads, so a layer with
 * fewer heads has a narrower attention: its query/key/value kernels are [H, heads * headSize] and
 * its attention output kernel [heads * headSize, H], as in a pruned Hugging Face BERT.
 *
 * @param vocabSize number of WordPiece ids
 * @param hiddenSize width H of every token vector
 * @param numHiddenLayers number of transformer layers
 * @param numAttentionHeads attention heads of the unpruned architecture; must divide {@code hiddenSize}
 * @param intermediateSize width of the unpruned feed-forward block
 * @param maxPositionEmbeddings longest sequence the position table covers
 * @param typeVocabSize number of token type (segment) ids
 * @param layerNormEps epsilon inside every LayerNorm
 * @param hiddenAct feed-forward activation
 * @param pooler how {@code pooled_output} is made: a trained dense+tanh pooler over [CLS], or the
 *     masked mean of {@code sequence_output} for models shipped without a pooler
 * @param layerShapes the shape of each layer, layer 0 first, when some layer differs from
 *     ({@code numAttentionHeads}, {@code intermediateSize}); empty when every layer is uniform
 *     (then {@code bert_config.json} has no {@code layer_shapes} field)
 */
public record BertConfig(
    @JsonProperty("vocab_size") int vocabSize,
    @JsonProperty("hidden_size") int hiddenSize,
    @JsonProperty("num_hidden_layers") int numHiddenLayers,
    @JsonProperty("num_attention_heads") int numAttentionHeads,
    @JsonProperty("intermediate_size") int intermediateSize,
    @JsonProperty("max_position_embeddings") int maxPositionEmbeddings,
    @JsonProperty("type_vocab_size") int typeVocabSize,
    @JsonProperty("layer_norm_eps") double layerNormEps,
    @JsonProperty("hidden_act") Activation hiddenAct,
    @JsonProperty("pooler") Pooler pooler,
    @JsonProperty("layer_shapes") @JsonInclude(JsonInclude.Include.NON_EMPTY) List<LayerShape> layerShapes) {

  /** File name of the config inside a model folder's {@code assets/}. */
  public static final String FILE_NAME = "bert_config.json";

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  /**
   * The shape of one transformer layer.
   *
   * @param numAttentionHeads attention heads the layer keeps, between 1 and the config's {@code
   *     num_attention_heads}
   * @param intermediateSize width of its feed-forward block, > 0
   */
  public record LayerShape(
      @JsonProperty("num_attention_heads") int numAttentionHeads,
      @JsonProperty("intermediate_size") int intermediateSize) {
    public LayerShape {
      // a layer may lose every head to pruning: its attention block is then its output bias alone
      if (numAttentionHeads < 0) throw new IllegalArgumentException("layer_shapes: num_attention_heads must be >= 0, got " + numAttentionHeads);
      requirePositive("layer_shapes: intermediate_size", intermediateSize);
    }
  }

  /** Feed-forward activation. */
  public enum Activation {
    /** exact GELU, {@code 0.5 x (1 + erf(x / sqrt 2))} */
    GELU("gelu"),
    /** tanh approximation of GELU */
    GELU_TANH("gelu_tanh");

    private final String json;

    Activation(String json) {
      this.json = json;
    }

    @JsonValue
    public String json() {
      return json;
    }

    @JsonCreator
    public static Activation fromJson(String s) {
      for (Activation a : values()) if (a.json.equals(s)) return a;
      // the original BERT configs spell the tanh approximation this way
      if ("gelu_new".equals(s) || "gelu_pytorch_tanh".equals(s)) return GELU_TANH;
      throw new IllegalArgumentException("hidden_act '" + s + "' is not supported; use gelu or gelu_tanh");
    }
  }

  /** How the encoder turns {@code sequence_output} into one vector per sequence. */
  public enum Pooler {
    /** trained {@code bert/pooler/dense} over the [CLS] vector, then tanh */
    DENSE("dense"),
    /** no trained pooler: mean of {@code sequence_output} over the real (mask = 1) tokens */
    MEAN("mean");

    private final String json;

    Pooler(String json) {
      this.json = json;
    }

    @JsonValue
    public String json() {
      return json;
    }

    @JsonCreator
    public static Pooler fromJson(String s) {
      for (Pooler p : values()) if (p.json.equals(s)) return p;
      throw new IllegalArgumentException("pooler '" + s + "' is not supported; use dense or mean");
    }
  }

  public BertConfig {
    requirePositive("vocab_size", vocabSize);
    requirePositive("hidden_size", hiddenSize);
    requirePositive("num_hidden_layers", numHiddenLayers);
    requirePositive("num_attention_heads", numAttentionHeads);
    requirePositive("intermediate_size", intermediateSize);
    requirePositive("max_position_embeddings", maxPositionEmbeddings);
    requirePositive("type_vocab_size", typeVocabSize);
    if (hiddenSize % numAttentionHeads != 0) {
      throw new IllegalArgumentException(
          "hidden_size " + hiddenSize + " is not a multiple of num_attention_heads " + numAttentionHeads);
    }
    if (!(layerNormEps > 0 && layerNormEps < 1)) {
      throw new IllegalArgumentException("layer_norm_eps must be in (0, 1), got " + layerNormEps);
    }
    if (hiddenAct == null) hiddenAct = Activation.GELU;
    if (pooler == null) pooler = Pooler.DENSE;
    layerShapes = checkedLayerShapes(layerShapes, numHiddenLayers, new LayerShape(numAttentionHeads, intermediateSize));
  }

  /** A config whose layers all have {@code numAttentionHeads} heads and an {@code intermediateSize} wide feed-forward block. */
  public BertConfig(int vocabSize, int hiddenSize, int numHiddenLayers, int numAttentionHeads, int intermediateSize,
      int maxPositionEmbeddings, int typeVocabSize, double layerNormEps, Activation hiddenAct, Pooler pooler) {
    this(vocabSize, hiddenSize, numHiddenLayers, numAttentionHeads, intermediateSize, maxPositionEmbeddings, typeVocabSize,
        layerNormEps, hiddenAct, pooler, List.of());
  }

  /** Empty when every layer has the uniform shape, so that equal architectures compare and serialize equal. */
  private static List<LayerShape> checkedLayerShapes(List<LayerShape> shapes, int layers, LayerShape uniform) {
    if (shapes == null || shapes.isEmpty()) return List.of();
    if (shapes.size() != layers) {
      throw new IllegalArgumentException(
          "layer_shapes has " + shapes.size() + " entries but num_hidden_layers is " + layers + "; give one per layer");
    }
    for (int l = 0; l < layers; l++) {
      LayerShape s = shapes.get(l);
      if (s == null) throw new IllegalArgumentException("layer_shapes[" + l + "] is null");
      if (s.numAttentionHeads() > uniform.numAttentionHeads()) {
        throw new IllegalArgumentException("layer_shapes[" + l + "].num_attention_heads " + s.numAttentionHeads()
            + " exceeds num_attention_heads " + uniform.numAttentionHeads() + " (a layer keeps a subset of the heads)");
      }
    }
    return shapes.stream().allMatch(uniform::equals) ? List.of() : List.copyOf(shapes);
  }

  private static void requirePositive(String field, int value) {
    if (value <= 0) throw new IllegalArgumentException(field + " must be > 0, got " + value);
  }

  /** A tiny random-weights architecture for tests: 2 layers, hidden 32, 4 heads, vocab 100. */
  public static BertConfig tiny(Pooler pooler) {
    return new BertConfig(100, 32, 2, 4, 64, 64, 2, 1e-12, Activation.GELU, pooler);
  }

  /** Width of one attention head, in every layer: hidden_size / num_attention_heads. */
  public int headSize() {
    return hiddenSize / numAttentionHeads;
  }

  /** True when every layer has {@code numAttentionHeads} heads and an {@code intermediateSize} wide feed-forward block. */
  public boolean hasUniformLayers() {
    return layerShapes.isEmpty();
  }

  /** The shape of transformer layer {@code layer} (0-based). */
  public LayerShape layerShape(int layer) {
    if (layer < 0 || layer >= numHiddenLayers) {
      throw new IndexOutOfBoundsException("layer " + layer + " of " + numHiddenLayers);
    }
    return hasUniformLayers() ? new LayerShape(numAttentionHeads, intermediateSize) : layerShapes.get(layer);
  }

  /** Width of layer {@code layer}'s attention: its heads times {@link #headSize()}. */
  public int attentionWidth(int layer) {
    return layerShape(layer).numAttentionHeads() * headSize();
  }

  /** This architecture with the given per-layer shapes (one per layer; all-uniform shapes give a uniform config). */
  public BertConfig withLayerShapes(List<LayerShape> shapes) {
    return new BertConfig(vocabSize, hiddenSize, numHiddenLayers, numAttentionHeads, intermediateSize, maxPositionEmbeddings,
        typeVocabSize, layerNormEps, hiddenAct, pooler, shapes);
  }

  public boolean hasDensePooler() {
    return pooler == Pooler.DENSE;
  }

  /**
   * Every trainable parameter of this architecture in graph order (embeddings, layer 0..L-1,
   * pooler), with its BERT checkpoint name and shape.
   */
  public List<EncoderParameter> parameters() {
    long h = hiddenSize;
    List<EncoderParameter> p = new ArrayList<>();
    String e = "bert/embeddings/";
    p.add(EncoderParameter.embeddings(e + "word_embeddings", Shape.of(vocabSize, h)));
    p.add(EncoderParameter.embeddings(e + "position_embeddings", Shape.of(maxPositionEmbeddings, h)));
    p.add(EncoderParameter.embeddings(e + "token_type_embeddings", Shape.of(typeVocabSize, h)));
    p.add(EncoderParameter.embeddings(e + "LayerNorm/gamma", Shape.of(h)));
    p.add(EncoderParameter.embeddings(e + "LayerNorm/beta", Shape.of(h)));
    for (int l = 0; l < numHiddenLayers; l++) {
      String s = layerPrefix(l);
      long a = attentionWidth(l), ffn = layerShape(l).intermediateSize();
      if (a > 0) { // a layer without heads has no query, key, value or output kernel
        for (String qkv : List.of("query", "key", "value")) {
          p.add(EncoderParameter.layer(l, s + "attention/self/" + qkv + "/kernel", Shape.of(h, a)));
          p.add(EncoderParameter.layer(l, s + "attention/self/" + qkv + "/bias", Shape.of(a)));
        }
        p.add(EncoderParameter.layer(l, s + "attention/output/dense/kernel", Shape.of(a, h)));
      }
      p.add(EncoderParameter.layer(l, s + "attention/output/dense/bias", Shape.of(h)));
      p.add(EncoderParameter.layer(l, s + "attention/output/LayerNorm/gamma", Shape.of(h)));
      p.add(EncoderParameter.layer(l, s + "attention/output/LayerNorm/beta", Shape.of(h)));
      p.add(EncoderParameter.layer(l, s + "intermediate/dense/kernel", Shape.of(h, ffn)));
      p.add(EncoderParameter.layer(l, s + "intermediate/dense/bias", Shape.of(ffn)));
      p.add(EncoderParameter.layer(l, s + "output/dense/kernel", Shape.of(ffn, h)));
      p.add(EncoderParameter.layer(l, s + "output/dense/bias", Shape.of(h)));
      p.add(EncoderParameter.layer(l, s + "output/LayerNorm/gamma", Shape.of(h)));
      p.add(EncoderParameter.layer(l, s + "output/LayerNorm/beta", Shape.of(h)));
    }
    if (hasDensePooler()) {
      p.add(EncoderParameter.pooler("bert/pooler/dense/kernel", Shape.of(h, h)));
      p.add(EncoderParameter.pooler("bert/pooler/dense/bias", Shape.of(h)));
    }
    return List.copyOf(p);
  }

  static String layerPrefix(int layer) {
    return "bert/encoder/layer_" + layer + "/";
  }

  /** Total number of trainable scalars. */
  public long parameterCount() {
    return parameters().stream().mapToLong(p -> p.shape().size()).sum();
  }

  /** Reads {@code bert_config.json}; a missing or malformed file is a {@link JtuneException}. */
  public static BertConfig read(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new JtuneException(file + ": no such file; a model folder needs assets/" + FILE_NAME);
    }
    try {
      // strict: a key given twice would otherwise keep its last value silently
      return JSON.treeToValue(StrictJson.parse(file, 1, Files.readString(file), "write each key once"), BertConfig.class);
    } catch (IOException | IllegalArgumentException e) {
      throw new JtuneException(file + ": not a valid " + FILE_NAME + ": " + rootMessage(e), e);
    }
  }

  /** Writes this config as JSON (temp file in the same folder, then atomic rename). */
  public void write(Path file) throws IOException {
    AtomicFiles.replace(file, tmp -> JSON.writeValue(tmp.toFile(), this));
  }

  /** This config as JSON text. */
  public String toJson() {
    try {
      return JSON.writeValueAsString(this);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String rootMessage(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null && c.getCause() != c) c = c.getCause();
    String m = c.getMessage() == null ? c.toString() : c.getMessage();
    return m.lines().findFirst().orElse(m);
  }
}
