package dev.opal4j.policy;

import java.util.List;

/**
 * The tracked branch moved from {@code oldHash} to {@code newHash}.
 *
 * @param changedFiles every repository-relative path touched between the two commits (both names
 *     of a rename), sorted, unfiltered
 */
public record PolicyChange(String oldHash, String newHash, List<String> changedFiles) {
  public PolicyChange {
    changedFiles = List.copyOf(changedFiles);
  }
}
