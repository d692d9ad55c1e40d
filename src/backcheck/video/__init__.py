"""Video form check: pose + silhouette analysis of a lifting clip (see docs/video.md).

Pure algorithms live in backshape, kinematics, reps and quality; decode, pose, annotate, plots
and pipeline are the adapters around them.
"""

from backcheck.video.errors import VideoError
from backcheck.video.quality import FILMING_GUIDANCE

__all__ = ["FILMING_GUIDANCE", "VideoError"]
