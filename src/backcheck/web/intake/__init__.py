"""The lifter's own story: the intake API and the "Tell us what happened" screen."""
