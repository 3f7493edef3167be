package dev.opal4j.policy;

import java.io.IOException;
import java.util.List;
import org.eclipse.jgit.diff.DiffEntry;
import org.eclipse.jgit.diff.RenameDetector;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.treewalk.TreeWalk;

/** {@code git diff -M old new}: the file changes between two commits, with renames detected. */
final class TreeDiff {
  private TreeDiff() {}

  static List<DiffEntry> diff(Repository repo, RevCommit oldCommit, RevCommit newCommit)
      throws IOException {
    try (TreeWalk tw = new TreeWalk(repo)) {
      tw.setRecursive(true);
      tw.addTree(oldCommit.getTree());
      tw.addTree(newCommit.getTree());
      List<DiffEntry> entries = DiffEntry.scan(tw);
      RenameDetector renames = new RenameDetector(repo);
      renames.setRenameScore(50); // git's default similarity for -M
      renames.addAll(entries);
      return renames.compute();
    }
  }
}
