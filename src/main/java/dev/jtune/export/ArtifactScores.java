package dev.jtune.export;

/**
 * What one artifact produced on an {@link EvaluationSet}: class probabilities per example and how
 * fast it ran. Latencies are medians; a null value was not measured for this runtime.
 */
public record ArtifactScores(float[][] probabilities, Double batch1MsP50, Double batchMsP50, Integer batchSize, Double examplesPerSecond) {}
