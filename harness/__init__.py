"""What the template's tests and its benchmark both need: the option matrix, baking and
installing projects, the databases they run on, and live servers started as an operator would."""
