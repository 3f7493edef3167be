package dev.opal4j.policy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.treewalk.TreeWalk;

/**
 * The repository's files and directories as of one commit (upstream's {@code CommitViewer}).
 * Submodules are neither files nor directories, as upstream.
 */
final class CommitView {
  /** A file at a commit. */
  record File(String path, ObjectId blob) {}

  private final Repository repo;
  private final RevCommit commit;

  CommitView(Repository repo, RevCommit commit) {
    this.repo = repo;
    this.commit = commit;
  }

  boolean exists(String path) throws IOException {
    return RepoPaths.ROOT.equals(path) || isDirectory(path) || blobAt(path) != null;
  }

  boolean isDirectory(String path) throws IOException {
    if (RepoPaths.ROOT.equals(path)) {
      return true;
    }
    if (path.startsWith("/")) {
      return false;
    }
    try (TreeWalk tw = TreeWalk.forPath(repo, path, commit.getTree())) {
      return tw != null && tw.getFileMode(0) == FileMode.TREE;
    }
  }

  /** The blob of a file, or null when the path is not a file at this commit. */
  ObjectId blobAt(String path) throws IOException {
    if (RepoPaths.ROOT.equals(path) || path.startsWith("/")) {
      return null;
    }
    try (TreeWalk tw = TreeWalk.forPath(repo, path, commit.getTree())) {
      if (tw == null || !isBlob(tw.getFileMode(0))) {
        return null;
      }
      return tw.getObjectId(0);
    }
  }

  /** A file's text (UTF-8), or null when the path is not a file. */
  String readFile(String path) throws IOException {
    ObjectId blob = blobAt(path);
    return blob == null ? null : read(blob);
  }

  String read(ObjectId blob) throws IOException {
    try (InputStream in = repo.open(blob, Constants.OBJ_BLOB).openStream()) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /**
   * Every file, in upstream's order: a directory's own files (in git's tree order) before its
   * subdirectories, each subdirectory depth-first.
   */
  List<File> files() throws IOException {
    List<File> out = new ArrayList<>();
    walk(commit.getTree(), "", out);
    return out;
  }

  private void walk(ObjectId tree, String prefix, List<File> out) throws IOException {
    List<File> subtrees = new ArrayList<>();
    try (TreeWalk tw = new TreeWalk(repo)) {
      tw.addTree(tree);
      tw.setRecursive(false);
      while (tw.next()) {
        FileMode mode = tw.getFileMode(0);
        String path = prefix + tw.getNameString();
        if (mode == FileMode.TREE) {
          subtrees.add(new File(path, tw.getObjectId(0)));
        } else if (isBlob(mode)) {
          out.add(new File(path, tw.getObjectId(0)));
        }
      }
    }
    for (File sub : subtrees) {
      walk(sub.blob(), sub.path() + "/", out);
    }
  }

  private static boolean isBlob(FileMode mode) {
    return mode == FileMode.REGULAR_FILE
        || mode == FileMode.EXECUTABLE_FILE
        || mode == FileMode.SYMLINK;
  }
}
