"""Class chat: messages between a class's teacher and learners, screened, stored and fanned out."""
