public enum LabPaths {}
