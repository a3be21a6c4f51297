package dev.jtune.train;

import dev.jtune.artifact.Pooling;
import dev.jtune.model.BertConfig;
import dev.jtune.model.EncoderWeights;
import java.nio.file.Path;
import me.tongfei.progressbar.ProgressBar;

/**
 * The frozen encoder's pooled features of the train and val splits, read from the feature cache or
 * computed into it first (the val split only when missing). Holds the cache-key policy: a file is
 * named by the encoder's weights, the pooling, the number of head layers and the token ids, so it is
 * reused exactly when all four match.
 *
 * @param seconds time spent opening and (if needed) computing the features
 */
record CachedFeatures(FeatureCache train, FeatureCache val, double seconds) {
  /** The cache folder of a run: {@code cache.dir}, or {@code .feature-cache} next to the run folder. */
  static Path dir(TrainingConfig config, Path runDir) {
    return config.cache().dir().isEmpty() ? runDir.toAbsolutePath().getParent().resolve(".feature-cache") : Path.of(config.cache().dir());
  }

  /**
   * What the features are, as it enters the cache key: the pooling name, plus {@code /top<K>} for a head
   * over K > 1 layers (one layer keeps the plain name, so caches written before head.layers existed stay valid).
   */
  static String featureName(Pooling pooling, int layers) {
    return layers == 1 ? pooling.jsonName() : pooling.jsonName() + "/top" + layers;
  }

  /** Opens (computing if needed) the features of {@code train} and {@code val} in {@code dir}. */
  static CachedFeatures load(TrainingConfig config, BertConfig encoder, EncoderWeights weights, EncodedSplit train, EncodedSplit val,
      Path dir, boolean showProgress) {
    long t0 = System.nanoTime();
    Pooling pooling = config.head().pooling();
    int layers = config.head().layersOf(encoder.numHiddenLayers());
    String digest = FeatureCache.encoderDigest(encoder, weights);
    String features = featureName(pooling, layers);
    long budget = (long) config.cache().memoryMb() << 20;
    int hidden = layers * encoder.hiddenSize();
    Path trainFile = dir.resolve(FeatureCache.key(digest, features, train.tokenIds()) + ".f32");
    Path valFile = dir.resolve(FeatureCache.key(digest, features, val.tokenIds()) + ".f32");
    FeatureCache trainFeatures = FeatureCache.open(trainFile, train.size(), hidden, budget).orElse(null);
    FeatureCache valFeatures = FeatureCache.open(valFile, val.size(), hidden, budget).orElse(null);
    if (trainFeatures == null || valFeatures == null) {
      try (FeatureCache.Extractor extractor = new FeatureCache.Extractor(encoder, weights, pooling.jsonName(), layers)) {
        int batchSize = config.validation().batchSize();
        if (trainFeatures == null) extract(extractor, "encode train", train, batchSize, trainFile, showProgress);
        if (valFeatures == null) extract(extractor, "encode val", val, batchSize, valFile, showProgress);
      }
      trainFeatures = FeatureCache.open(trainFile, train.size(), hidden, budget).orElseThrow();
      valFeatures = FeatureCache.open(valFile, val.size(), hidden, budget).orElseThrow();
    }
    return new CachedFeatures(trainFeatures, valFeatures, (System.nanoTime() - t0) / 1e9);
  }

  private static void extract(FeatureCache.Extractor extractor, String task, EncodedSplit split, int batchSize, Path file,
      boolean showProgress) {
    if (!showProgress) {
      extractor.extract(split.tokenIds(), batchSize, file, done -> {});
      return;
    }
    try (ProgressBar bar = ProgressBarListener.open(task, split.size())) {
      extractor.extract(split.tokenIds(), batchSize, file, bar::stepTo);
    }
  }
}
