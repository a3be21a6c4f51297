package dev.jtune.model;

import dev.jtune.JtuneException;
import dev.jtune.io.ArtifactKind;
import dev.jtune.io.OutputFolder;
import dev.jtune.io.ProtectedPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.exceptions.TensorFlowException;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

/**
 * An encoder stored as a TensorFlow SavedModel folder ({@code savedmodels/<name>/}):
 *
 * <pre>
 * saved_model.pb              tag "serve", signature "serving_default":
 *                             input_word_ids, input_mask, input_type_ids int32 [-1,-1]
 *                             -> sequence_output [-1,-1,H], pooled_output [-1,H]
 * variables/                  VariableV2 values under BERT checkpoint names
 * assets/bert_config.json     the architecture ({@link BertConfig})
 * assets/tokenizer.json       its tokenizer ({@link TokenizerAsset})
 * </pre>
 *
 * {@link #write} creates such a folder; {@link #load} reads one back. A folder in this layout is
 * fine-tunable: {@link #pretrained()} gives its config and weights to rebuild a {@link BertEncoder}.
 * A SavedModel that only has the encoder signature (e.g. made by Python TensorFlow 2 with resource
 * variables inside functions) loads as a frozen feature extractor: {@link #openSession()} runs its
 * signature, but it cannot be fine-tuned, because TensorFlow Java cannot differentiate through
 * functions that capture resource variables.
 */
public final class EncoderSavedModel {

  public static final String TAG = "serve";
  public static final String CONFIG_ASSET = "assets/" + BertConfig.FILE_NAME;
  public static final String TOKENIZER_ASSET = "assets/tokenizer.json";
  /** The weights' licence identifier, one line, when the import was given one. */
  public static final String LICENSE_ASSET = "assets/license.txt";

  private final Path dir;
  private final PretrainedEncoder pretrained;
  private final BertConfig config;
  private final String frozenReason;

  private EncoderSavedModel(Path dir, PretrainedEncoder pretrained, BertConfig config, String frozenReason) {
    this.dir = dir;
    this.pretrained = pretrained;
    this.config = config;
    this.frozenReason = frozenReason;
  }

  /**
   * Writes {@code encoder} as a SavedModel folder at {@code dir} with {@code tokenizerJson} as its
   * tokenizer asset; {@code dir} may hold a previous encoder only when it is exactly what jtune
   * wrote there ({@link OutputFolder}).
   */
  public static void write(Path dir, PretrainedEncoder encoder, Path tokenizerJson) throws IOException {
    write(OutputFolder.claim(dir, ArtifactKind.ENCODER, ProtectedPaths.of(tokenizerJson), false, "--out"), encoder, tokenizerJson);
  }

  /**
   * Writes {@code encoder} into the claimed folder {@code out}: built in a temporary sibling folder
   * and renamed into place, replacing an older encoder only once the new one is complete.
   */
  public static void write(OutputFolder out, PretrainedEncoder encoder, Path tokenizerJson) throws IOException {
    write(out, encoder, tokenizerJson, null);
  }

  /** As {@link #write(OutputFolder, PretrainedEncoder, Path)}, with the weights' licence identifier (null: none recorded). */
  public static void write(OutputFolder out, PretrainedEncoder encoder, Path tokenizerJson, String license) throws IOException {
    out.write(tmp -> {
      if (license != null) {
        java.nio.file.Files.createDirectories(tmp.resolve("assets"));
        java.nio.file.Files.writeString(tmp.resolve(LICENSE_ASSET), license + "\n");
      }
      TokenizerAsset.writeNormalized(tokenizerJson, tmp.resolve(TOKENIZER_ASSET), encoder.config());
      try (Graph g = new Graph()) {
        BertEncoder enc = BertEncoder.build(g, encoder.config(), BertEncoder.Options.inference());
        try (Session s = new Session(g)) {
          s.initialize();
          enc.assign(s, encoder.weights());
          SavedModelBundle.exporter(tmp.toString()).withTags(TAG).withSession(s).withSignature(enc.servingSignature()).export();
        }
      }
      encoder.config().write(tmp.resolve(CONFIG_ASSET));
    });
  }

  /**
   * Opens the SavedModel folder {@code dir}: natively (config + weights) when it is in the layout
   * above, as a frozen feature extractor when it only has the encoder signature, otherwise a
   * {@link JtuneException} saying what is missing.
   */
  public static EncoderSavedModel load(Path dir) {
    if (!Files.isRegularFile(dir.resolve("saved_model.pb"))) {
      throw new JtuneException(dir + ": no saved_model.pb; create an encoder folder with `jtune import` or `make savedmodels`");
    }
    try (SavedModelBundle bundle = openBundle(dir)) {
      encoderSignature(bundle, dir);
      Path configFile = dir.resolve(CONFIG_ASSET);
      if (!Files.isRegularFile(configFile)) {
        return new EncoderSavedModel(dir, null, null, "it has no " + CONFIG_ASSET);
      }
      BertConfig config = BertConfig.read(configFile);
      String missing = missingVariable(bundle.graph(), config);
      if (missing != null) {
        return new EncoderSavedModel(dir, null, config, "it holds no VariableV2 " + missing);
      }
      return new EncoderSavedModel(dir, new PretrainedEncoder(config, readWeights(bundle.session(), config)), config, null);
    }
  }

  public Path dir() {
    return dir;
  }

  /** {@code assets/tokenizer.json} of this folder. */
  /** The weights' licence as recorded at import ({@link #LICENSE_ASSET}), if any. */
  public java.util.Optional<String> license() {
    Path f = dir.resolve(LICENSE_ASSET);
    try {
      return java.nio.file.Files.isRegularFile(f) ? java.util.Optional.of(java.nio.file.Files.readString(f).strip()) : java.util.Optional.empty();
    } catch (IOException e) {
      return java.util.Optional.empty();
    }
  }

  public Path tokenizerJson() {
    Path t = dir.resolve(TOKENIZER_ASSET);
    if (!Files.isRegularFile(t)) throw new JtuneException(dir + ": no " + TOKENIZER_ASSET + "; the model folder is incomplete");
    return t;
  }

  /** The architecture, when the folder has {@code assets/bert_config.json}. */
  public java.util.Optional<BertConfig> config() {
    return java.util.Optional.ofNullable(config);
  }

  /** True when the variables were read natively, so a trainer can rebuild and fine-tune the encoder. */
  public boolean isFineTunable() {
    return pretrained != null;
  }

  /** Config and weights to rebuild the encoder; a {@link JtuneException} for a frozen one. */
  public PretrainedEncoder pretrained() {
    if (pretrained == null) {
      throw new JtuneException(dir + ": can only be used as a frozen feature extractor (" + frozenReason
          + "); fine-tuning needs a folder made by `jtune import`");
    }
    return pretrained;
  }

  /** Why the folder is frozen, or null when it is fine-tunable. */
  public String frozenReason() {
    return frozenReason == null ? null
        : frozenReason + "; used through its serving_default signature only (TensorFlow Java cannot compute "
            + "gradients through functions that capture resource variables)";
  }

  /**
   * A session running this encoder: the rebuilt {@link BertEncoder} when fine-tunable, else the
   * folder's own signature.
   */
  public EncoderSession openSession() {
    if (pretrained != null) return EncoderSession.open(pretrained);
    SavedModelBundle bundle = openBundle(dir);
    try {
      return EncoderSession.ofSignature(bundle, encoderSignature(bundle, dir));
    } catch (RuntimeException e) {
      bundle.close();
      throw e;
    }
  }

  // ---------------------------------------------------------------------------------------------

  private static SavedModelBundle openBundle(Path dir) {
    try {
      return SavedModelBundle.load(dir.toString(), TAG);
    } catch (TensorFlowException e) {
      throw new JtuneException(dir + ": TensorFlow cannot load it with tag '" + TAG + "': "
          + String.valueOf(e.getMessage()).lines().findFirst().orElse(""), e);
    }
  }

  private static Signature encoderSignature(SavedModelBundle bundle, Path dir) {
    Signature sig = bundle.signatures().stream().filter(s -> s.key().equals(BertEncoder.SIGNATURE_KEY)).findFirst()
        .orElseThrow(() -> new JtuneException(dir + ": no '" + BertEncoder.SIGNATURE_KEY + "' signature"));
    List<String> missing = new ArrayList<>();
    for (String in : List.of(BertEncoder.INPUT_WORD_IDS, BertEncoder.INPUT_MASK, BertEncoder.INPUT_TYPE_IDS)) {
      if (!sig.getInputs().containsKey(in)) missing.add("input " + in);
    }
    for (String out : List.of(BertEncoder.SEQUENCE_OUTPUT, BertEncoder.POOLED_OUTPUT)) {
      if (!sig.getOutputs().containsKey(out)) missing.add("output " + out);
    }
    if (!missing.isEmpty()) {
      throw new JtuneException(dir + ": signature '" + BertEncoder.SIGNATURE_KEY + "' is not a BERT encoder signature (missing "
          + String.join(", ", missing) + ")");
    }
    return sig;
  }

  /** The first parameter of {@code config} without a matching VariableV2 op in the graph, or null. */
  private static String missingVariable(Graph graph, BertConfig config) {
    for (EncoderParameter p : config.parameters()) {
      GraphOperation op = graph.operation(p.name());
      if (op == null || !op.type().equals("VariableV2")) return p.name();
      Shape shape = op.output(0).shape();
      if (!shape.equals(p.shape())) return p.name() + " of shape " + p.shape() + " (found " + shape + ")";
    }
    return null;
  }

  private static EncoderWeights readWeights(Session session, BertConfig config) {
    List<EncoderParameter> params = config.parameters();
    Session.Runner run = session.runner();
    params.forEach(p -> run.fetch(p.name()));
    Map<String, EncoderWeights.Weight> out = new LinkedHashMap<>();
    try (Result r = run.run()) {
      for (int i = 0; i < params.size(); i++) {
        TFloat32 t = (TFloat32) r.get(i);
        float[] v = new float[(int) t.shape().size()];
        t.copyTo(DataBuffers.of(v, false, false));
        out.put(params.get(i).name(), new EncoderWeights.Weight(t.shape(), v));
      }
    }
    return EncoderWeights.of(out);
  }
}
