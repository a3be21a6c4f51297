package dev.jtune.serve;

import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Runs signatures of served versions for the REST API, either one call per request ({@link
 * DirectRunner}) or merging concurrent requests ({@link DynamicBatcher}). The caller keeps its
 * lease on the version until the returned future completes.
 */
public interface ModelRunner extends AutoCloseable {

  /**
   * @param paddable the request may be zero-padded along non-batch dimensions to merge with others
   *     (true for token ids with a mask, which padding does not change)
   */
  CompletableFuture<Map<String, HostTensor>> submit(
      ServableVersion version, String signature, Map<String, HostTensor> inputs, boolean paddable);

  /** Finishes work already accepted, then stops. */
  @Override
  void close();
}
