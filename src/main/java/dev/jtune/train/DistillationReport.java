package dev.jtune.train;

import dev.jtune.eval.ClassificationMetrics;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What a distilling run records beside its own scores: the teacher (provenance), both models'
 * validation and test macro-F1, how fast each scored the same test texts, and what the student
 * learned from: labeled examples, examples whose labels were held back, extra unlabeled texts.
 *
 * @param student the student's test scoring (its own model/, the texts in order)
 * @param teacherTest the teacher's scoring of the same texts with the same batch size
 */
record DistillationReport(TrainingConfig.Distillation settings, SourceRun teacher, String studentEncoder, TeacherLogits logits,
    int trainExamples, int heldBack, dev.jtune.data.UnlabeledTexts unlabeled, TrainingRun.Scored student, TrainingRun.Scored teacherTest) {

  /** Student test seq/s over teacher test seq/s, measured in the same run. */
  double speedup() {
    return student.seqPerSecond() / teacherTest.seqPerSecond();
  }

  /** The {@code distillation} object of the student's metrics.json. */
  Map<String, Object> summary() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("teacher", teacher.dir().toString());
    m.put("student_encoder", studentEncoder);
    m.put("temperature", settings.temperature());
    m.put("alpha", settings.alpha());
    m.put("train_labeled", trainExamples - heldBack);
    m.put("train_labels_held_back", heldBack);
    m.put("unlabeled_texts", unlabeled.texts().size());
    m.put("unlabeled_blank_skipped", unlabeled.blankSkipped());
    m.put("teacher_logits_seconds", logits.seconds());
    m.put("teacher_logits_cached", !logits.computed());
    Map<String, Object> t = new LinkedHashMap<>();
    t.put("validation_macro_f1_recorded", teacher.recordedMacroF1("validation"));
    t.put("test", teacherTest.metrics());
    m.put("teacher_scores", t);
    m.put("student_test_seq_per_s", student.seqPerSecond());
    m.put("teacher_test_seq_per_s", teacherTest.seqPerSecond());
    m.put("speedup", speedup());
    return m;
  }

  /** The report's distillation section. */
  String markdown() {
    ClassificationMetrics st = student.metrics(), tt = teacherTest.metrics();
    StringBuilder md = new StringBuilder("## Distillation\n\n");
    md.append("| model | val macro-F1 | test macro-F1 | test accuracy | test seq/s |\n|---|---:|---:|---:|---:|\n");
    md.append(String.format(Locale.ROOT, "| teacher `%s` | %.4f | %.4f | %.4f | %.1f |%n", teacher.dir(), teacher.recordedMacroF1("validation"),
        tt.macroF1(), tt.accuracy(), teacherTest.seqPerSecond()));
    md.append(String.format(Locale.ROOT, "| student (this run) | see below | %.4f | %.4f | %.1f |%n%n", st.macroF1(), st.accuracy(),
        student.seqPerSecond()));
    md.append(String.format(Locale.ROOT, "- student: %s; %.2fx the teacher's test throughput (same texts, same batch size, this run)%n",
        studentEncoder, speedup()));
    md.append(String.format(Locale.ROOT, "- loss: %.2f x T^2 x KL(teacher || student) at T = %s + %.2f x cross-entropy on the labels%n",
        settings.alpha(), settings.temperature(), 1 - settings.alpha()));
    md.append(String.format(Locale.ROOT, "- train texts: %,d labeled, %,d with their labels held back, %,d unlabeled (the last two learn "
        + "from the teacher only; %,d blank unlabeled rows skipped)%n", trainExamples - heldBack, heldBack, unlabeled.texts().size(),
        unlabeled.blankSkipped()));
    md.append(String.format(Locale.ROOT, "- teacher logits: %s in %.1f s%n", logits.computed() ? "computed" : "read from the cache",
        logits.seconds()));
    return md.toString();
  }
}
