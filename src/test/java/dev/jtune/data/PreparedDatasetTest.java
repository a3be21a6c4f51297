package dev.jtune.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jtune.JtuneException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PreparedDatasetTest {
  @TempDir Path dir;

  @Test
  void loadsLabelsAndSplitsWithClassIdsFromLabelsTxt() throws Exception {
    Files.writeString(dir.resolve("labels.txt"), "ham\nspam\n");
    Files.writeString(dir.resolve("train.csv"), "text,label,group\n\"hi, there\",spam,t1\nhello,ham,\n");
    Files.writeString(dir.resolve("val.csv"), "text,label,group\n");
    Files.writeString(dir.resolve("test.csv"), "text,label,group\nbye,ham,t2\n");
    PreparedDataset ds = PreparedDataset.load(dir);
    assertEquals(List.of("ham", "spam"), ds.labels());
    assertEquals(List.of(new LabeledText("hi, there", 1, "t1"), new LabeledText("hello", 0, null)), ds.split("train"));
    assertEquals(List.of(), ds.split("val"));
    assertEquals(1, ds.split("test").size());
    assertThrows(IllegalArgumentException.class, () -> ds.split("dev"));
  }

  @Test
  void readsAnyLabeledCsvAndRejectsUnknownLabels() throws Exception {
    Path csv = Files.writeString(dir.resolve("eval.csv"), "id,body,y\n1,good,pos\n2,bad,neg\n3,meh,neutral\n");
    JtuneException e = assertThrows(JtuneException.class,
        () -> PreparedDataset.readLabeledCsv(csv, List.of("neg", "pos"), "body", "y"));
    assertEquals(csv + ":4: label 'neutral' is not one of [neg, pos]; use one of these labels (the model's labels.txt)",
        e.getMessage());
    Files.writeString(csv, "id,body,y\n1,good,pos\n2,bad,neg\n");
    assertEquals(List.of(new LabeledText("good", 1, null), new LabeledText("bad", 0, null)),
        PreparedDataset.readLabeledCsv(csv, List.of("neg", "pos"), "body", "y"));
  }

  @Test
  void namesTheMissingLabelsFile() {
    JtuneException e = assertThrows(JtuneException.class, () -> PreparedDataset.load(dir));
    assertEquals(dir.resolve("labels.txt") + ": file not found; pass a folder written by jtune prepare", e.getMessage());
  }
}
