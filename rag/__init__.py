"""Course content as retrievable chunks: chunking, embeddings in pgvector, hybrid search."""
