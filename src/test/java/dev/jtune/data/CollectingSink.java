package dev.jtune.data;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** Keeps everything a source hands out, for assertions. */
public final class CollectingSink implements TextSource.Sink {
  public final List<RawRow> rows = new ArrayList<>();
  public final Map<DropReason, Integer> dropped = new EnumMap<>(DropReason.class);

  public static CollectingSink readAll(TextSource source) {
    CollectingSink sink = new CollectingSink();
    source.read(sink);
    return sink;
  }

  @Override
  public void row(RawRow row) {
    rows.add(row);
  }

  @Override
  public void dropped(DropReason reason) {
    dropped.merge(reason, 1, Integer::sum);
  }

  public List<String> texts() {
    return rows.stream().map(RawRow::text).toList();
  }
}
