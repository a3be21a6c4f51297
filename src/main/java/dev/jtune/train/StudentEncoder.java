package dev.jtune.train;

import dev.jtune.model.EncoderSavedModel;
import dev.jtune.model.PretrainedEncoder;
import dev.jtune.model.TrainedClassifier;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The encoder a run fine-tunes, whatever it came from: an imported encoder SavedModel (the usual
 * case), a distilling run's teacher encoder cut to fewer layers ({@link SourceRun#cut}), or a
 * finished run's encoder with heads and neurons pruned ({@link SourceRun#pruned}), whose head the
 * run then starts from.
 *
 * @param tokenizerJson the tokenizer the encoder was trained with
 * @param source what the report calls it, e.g. {@code savedmodels/all-minilm-l6-v2}
 * @param provenance the {@code encoder} object of the run's provenance.json
 * @param startingHead the classifier whose head the run starts from, or null for a fresh head
 */
record StudentEncoder(PretrainedEncoder pretrained, Path tokenizerJson, String source, Map<String, Object> provenance,
    TrainedClassifier startingHead) {
  static StudentEncoder of(EncoderSavedModel saved) {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("dir", saved.dir().toString());
    p.put("config", saved.config().orElseThrow());
    saved.license().ifPresent(l -> p.put("license", l));
    return new StudentEncoder(saved.pretrained(), saved.tokenizerJson(), saved.dir().toString(), p, null);
  }
}
