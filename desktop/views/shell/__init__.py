"""The signed-in shell: main window, navigation, status bar, idle lock, workbench wiring."""
