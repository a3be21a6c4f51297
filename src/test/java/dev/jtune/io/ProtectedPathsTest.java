package dev.jtune.io;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jtune.JtuneException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The places no command writes to, whatever its options; the working folder is a parameter here. */
class ProtectedPathsTest {
  @TempDir Path tmp;
  Path project; // the working folder: holds the inputs
  Path onnx;
  Path tokenizer;
  Path corpus; // an input folder
  ProtectedPaths rules;

  @BeforeEach
  void layout() throws Exception {
    project = Files.createDirectories(tmp.resolve("home/me/project"));
    onnx = Files.writeString(project.resolve("full.onnx"), "onnx");
    tokenizer = Files.writeString(Files.createDirectories(project.resolve("tok")).resolve("tok.json"), "{}");
    corpus = Files.createDirectories(tmp.resolve("corpus"));
    rules = new ProtectedPaths(project, tmp.resolve("home/me"), List.of(onnx, tokenizer, corpus));
  }

  private void assertRefused(String target, String expected) {
    JtuneException e = assertThrows(JtuneException.class, () -> rules.check(Path.of(target), "--out"));
    assertTrue(e.getMessage().startsWith(target + ": ") && e.getMessage().contains(expected), e.getMessage());
    assertTrue(e.getMessage().endsWith("choose another --out (--force does not apply)"), e.getMessage());
  }

  @Test
  void theWorkingFolderAndItsParentsAreRefused() {
    assertRefused(".", "is the current folder");
    assertRefused("..", "is the current folder's parent");
    assertRefused("tok/..", "is the current folder");
    assertRefused("missing/../..", "is the current folder's parent");
    assertRefused(project.toString(), "is the current folder");
    assertRefused(tmp.toString(), "is the current folder's parent");
  }

  @Test
  void rootAndHomeAreRefused() {
    assertRefused("/", "is the file system root");
    ProtectedPaths elsewhere = new ProtectedPaths(corpus, tmp.resolve("home/me"), List.of());
    JtuneException home = assertThrows(JtuneException.class, () -> elsewhere.check(tmp.resolve("home/me"), "--out"));
    assertTrue(home.getMessage().contains("is your home folder"), home.getMessage());
    JtuneException above = assertThrows(JtuneException.class, () -> elsewhere.check(tmp.resolve("home"), "--out"));
    assertTrue(above.getMessage().contains("is your home folder's parent"), above.getMessage());
  }

  @Test
  void inputsTheirFoldersAndFoldersBelowInputFoldersAreRefused() {
    assertRefused("full.onnx", "is the input " + onnx);
    assertRefused("tok", "holds the input " + tokenizer);
    assertRefused(corpus.toString(), "is the input " + corpus);
    assertRefused(corpus.resolve("dataset").toString(), "is inside the input folder " + corpus);
    assertRefused(tmp.resolve("corpus/../corpus/x").toString(), "is inside the input folder");
  }

  @Test
  void symbolicLinksAreResolvedBeforeComparing() throws Exception {
    Path link = Files.createSymbolicLink(tmp.resolve("link-to-tok"), project.resolve("tok"));
    assertRefused(link.toString(), "holds the input " + tokenizer);
    Path linkToProject = Files.createSymbolicLink(tmp.resolve("here"), project);
    assertRefused(linkToProject.toString(), "is the current folder");
    assertRefused(linkToProject.resolve("new-folder/..").toString(), "is the current folder");
  }

  @Test
  void otherFoldersAreFine() {
    assertDoesNotThrow(() -> rules.check(Path.of("datasets/mine"), "--out"));
    assertDoesNotThrow(() -> rules.check(tmp.resolve("elsewhere/out"), "--out"));
    assertDoesNotThrow(() -> rules.check(Path.of("tok-out"), "--out"));
  }

  @Test
  void aScratchFolderMayBeAnyFolderButAnInputOrOneInsideAnInputFolder() {
    assertDoesNotThrow(() -> rules.checkScratch(Path.of("."), "--work-dir"));
    assertThrows(JtuneException.class, () -> rules.checkScratch(corpus.resolve("tmp"), "--work-dir"));
    assertThrows(JtuneException.class, () -> rules.checkScratch(Path.of("full.onnx"), "--work-dir"));
  }
}
