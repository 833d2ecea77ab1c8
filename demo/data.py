"""The facts of INFO8010 "Deep Learning", ULiège, Spring 2023, as plain data.

Written from the course README, syllabus and project instructions of that term. The demo
loader turns them into the ``info8010-2023`` edition; nothing here touches the database.
"""

import datetime as dt

SITE = "https://glouppe.github.io/info8010-deep-learning"
REPO = "https://github.com/glouppe/info8010-deep-learning"

COURSE = {"code": "INFO8010", "title": "Deep Learning", "institution": "ULiège"}

EDITION = {
    "slug": "info8010-2023",
    "term": "Spring 2023",
    "academic_year": "2022-2023",
    "intro": "Lectures for INFO8010 - Deep Learning, ULiège, Spring 2023.",
    "timezone": "Europe/Brussels",
    "meeting_weekday": 4,  # Friday
    "meeting_time": dt.time(8, 30),
    "meeting_room": "R3 / B28",
    "schedule_text": "Spring 2023, Friday 8:30 AM",
}

INSTRUCTORS = ["Gilles Louppe"]
TEACHING_ASSISTANTS = ["Arnaud Delaunoy", "François Rozet", "Yann Claes", "Victor Dachet"]


def _lecture(day, number, title, page, pdf, video=None, code=(), kind="lecture"):
    links = [("slides", "Slides", f"{SITE}/?p={page}"), ("pdf", "PDF", f"{SITE}/pdf/{pdf}")]
    if video:
        links.append(("video", "video", video))
    links += [("code", label, url) for label, url in code]
    return {"date": day, "number": number, "title": title, "kind": kind, "links": links}


def _d(month, day):
    return dt.date(2023, month, day)


# In order of appearance in the agenda.
AGENDA = [
    _lecture(
        _d(2, 10),
        None,
        "Course syllabus",
        "course-syllabus.md",
        "course-syllabus.pdf",
        "https://www.youtube.com/watch?v=51UOdB199Nk",
        kind="syllabus",
    ),
    _lecture(
        _d(2, 10),
        0,
        "Introduction",
        "lecture0.md",
        "lec0.pdf",
        "https://www.youtube.com/watch?v=-Ee-Z311a3k",
    ),
    _lecture(
        _d(2, 10),
        1,
        "Fundamentals of machine learning",
        "lecture1.md",
        "lec1.pdf",
        "https://www.youtube.com/watch?v=GwpG0sHPklE",
    ),
    _lecture(
        _d(2, 17),
        2,
        "Multi-layer perceptron",
        "lecture2.md",
        "lec2.pdf",
        "https://www.youtube.com/watch?v=OF6AkE9Fnjc",
        code=[
            ("code 1", f"{REPO}/blob/master/code/lec2-space-stretching.ipynb"),
            ("code 2", f"{REPO}/blob/master/code/lec2-spiral-classification.ipynb"),
        ],
    ),
    _lecture(
        _d(2, 24),
        3,
        "Automatic differentiation",
        "lecture3.md",
        "lec3.pdf",
        "https://youtu.be/fD047xXpSfI",
        code=[("code", f"{REPO}/blob/master/code/lec3-autodiff.ipynb")],
    ),
    _lecture(
        _d(3, 3),
        4,
        "Training neural networks",
        "lecture4.md",
        "lec4.pdf",
        "https://youtu.be/G7qw620V_3g",
    ),
    {"deadline": "homework-1"},
    _lecture(
        _d(3, 10),
        5,
        "Convolutional neural networks",
        "lecture5.md",
        "lec5.pdf",
        "https://youtu.be/54WShJMWYo0",
        code=[("code", f"{REPO}/blob/master/code/lec5-convnet.ipynb")],
    ),
    _lecture(
        _d(3, 17), 6, "Computer vision", "lecture6.md", "lec6.pdf", "https://youtu.be/cfZGfJaLRxA"
    ),
    {"deadline": "homework-2"},
    {"deadline": "project-proposal"},
    _lecture(
        _d(3, 24),
        7,
        "Attention and transformers",
        "lecture7.md",
        "lec7.pdf",
        "https://youtu.be/cwFE1pLld-g",
    ),
    _lecture(
        _d(3, 31),
        8,
        "GPT",
        "lecture8.md",
        "lec8.pdf",
        code=[("code", f"{REPO}/blob/master/code/gpt/")],
    ),
    _lecture(_d(4, 21), 9, "Graph neural networks", "lecture9.md", "lec9.pdf"),
    _lecture(
        _d(4, 28), 10, "Uncertainty", "lecture10.md", "lec10.pdf", "https://youtu.be/AxJBY9eRTL4"
    ),
    {
        "event": {
            "date": _d(4, 28),
            "label": "Tutorial",
            "title": "Weight and Biases",
            "speaker": "Thomas Capelle, ML engineer at `wandb.ai`",
        }
    },
    _lecture(
        _d(5, 5),
        11,
        "Auto-encoders and variational auto-encoders",
        "lecture11.md",
        "lec11.pdf",
        "https://youtu.be/6gWeyUZtHWs",
        code=[("code", f"{REPO}/blob/master/code/lec11-vae.ipynb")],
    ),
    _lecture(_d(5, 12), 12, "Diffusion models", "lecture12.md", "lec12.pdf"),
    {"deadline": "reading"},
    {"deadline": "project"},
]

HOMEWORK_RULES = (
    "Each homework should be done in groups of 2 or 3 (the same as for the project) and must "
    "be submitted **before 23:59 on the due date**."
)

ASSIGNMENTS = {
    "homework-1": {
        "kind": "homework",
        "number": 1,
        "title": "Homework 1",
        "agenda_title": "Homework 1",
        "due_date": _d(3, 6),
        "optional": True,
        "min_group_size": 2,
        "max_group_size": 3,
        "handout_url": f"{REPO}/raw/master/homeworks/homework1.ipynb",
        "summary": "Tensor operations, `autograd` and `nn`.",
        "accepted_kinds": ["notebook"],
        "description": HOMEWORK_RULES,
    },
    "homework-2": {
        "kind": "homework",
        "number": 2,
        "title": "Homework 2",
        "agenda_title": "Homework 2",
        "due_date": _d(3, 20),
        "optional": True,
        "min_group_size": 2,
        "max_group_size": 3,
        "handout_url": f"{REPO}/raw/master/homeworks/homework2.ipynb",
        "summary": "Dataset, Dataloader, running on GPU, training a convolutional neural network.",
        "accepted_kinds": ["notebook"],
        "description": HOMEWORK_RULES,
    },
    "project-proposal": {
        "kind": "project_proposal",
        "title": "Project proposal",
        "agenda_title": "the project proposal",
        "due_date": _d(3, 20),
        "max_group_size": 3,
        "summary": "A short (1-2 pages) research project proposal.",
        "accepted_kinds": ["pdf"],
        "max_pages": 2,
        "description": (
            "Each group must write a short (1-2 pages) research project proposal. It should "
            "include a description of a minimum viable project, the data you will use or "
            "collect, the computing resources you think you will need, some nice-to-haves if "
            "time allows, and a short review of related work. Project proposals must be "
            "approved before working on the project."
        ),
    },
    "reading": {
        "kind": "reading_report",
        "title": "Reading assignment",
        "agenda_title": "the reading assignment",
        "due_date": _d(5, 19),
        "max_group_size": 3,
        "hard_deadline": True,
        "accepted_kinds": ["pdf"],
        "max_pages": 2,
        "pages_exclude_references": True,
        "summary": "Read, summarize and criticize a major scientific paper in deep learning.",
        "description": (
            "Produce a report that summarizes the problem tackled by the paper and explains "
            "why it is challenging or important, from the perspective of the wider research "
            "context, outlines the main contributions and results, and critically discusses "
            "the advantages and shortcomings of the contributions of the paper.\n\n"
            "Constraints:\n\n"
            "- You can work in groups of maximum 3 students (the same as for the project).\n"
            "- You report must be written in English.\n"
            "- 2 pages (excluding references, if any).\n"
            "- Formatted using the LaTeX template "
            f"[`template-report.tex`]({SITE}/template-report.tex)."
        ),
        "papers": [
            (
                "Rombach et al",
                "High-Resolution Image Synthesis with Latent Diffusion Models",
                2022,
                "https://arxiv.org/abs/2112.10752",
            ),
            (
                "Chen et al",
                "Evaluating Large Language Models Trained on Code",
                2021,
                "https://arxiv.org/abs/2107.03374",
            ),
            (
                "Jumper et al",
                "Highly accurate protein structure prediction with AlphaFold",
                2021,
                "https://www.nature.com/articles/s41586-021-03819-2",
            ),
        ],
    },
    "project": {
        "kind": "project",
        "title": "Project",
        "agenda_title": "the project",
        "due_date": _d(5, 19),
        "max_group_size": 3,
        "summary": "Project code and report (around 8 pages).",
        "accepted_kinds": ["pdf", "zip"],
        "max_file_mb": 50,
        "requires_approved_proposal": True,
        "handout_url": f"{REPO}/blob/master/project.md",
        "description": (
            "Submit a project report (around 8 pages), in the format of a machine learning "
            "conference paper, with the sections Introduction, Related Work, Methods, "
            "Results and Discussion, and the code.\n\nThe grade depends on the quality and "
            "originality of the project, and on its presentation."
        ),
    },
}

SECTIONS = [
    (
        "homeworks",
        "Homeworks",
        "The goal of these two assignments is to get you familiar with the PyTorch library.\n"
        f"{HOMEWORK_RULES}\n\n"
        "Homeworks are optional. If submitted, each homework will account for 5% of the final "
        "grade.",
    ),
    ("project", "Project", f"See instructions in [`project.md`]({REPO}/blob/master/project.md)."),
    (
        "reading",
        "Reading assignment",
        "Your task is to read and summarize a major scientific paper in the field of deep "
        "learning. You are free to select one among the following three papers.\n\n"
        "Constraints:\n\n"
        "- You can work in groups of maximum 3 students (the same as for the project).\n"
        "- You report must be written in English.\n"
        "- 2 pages (excluding references, if any).\n"
        f"- Formatted using the LaTeX template [`template-report.tex`]({SITE}/template-report.tex)."
        "\n\nYour report should be submitted by **May 19**. This is a **hard** deadline.",
    ),
]

PREVIOUS_EDITIONS = [
    ("2021-2022", f"{REPO}/tree/v5-info8010-2022"),
    ("2020-2021", f"{REPO}/tree/v4-info8010-2021"),
    ("2019-2020", f"{REPO}/tree/v3-info8010-2020"),
    ("2018-2019", f"{REPO}/tree/v2-info8010-2019"),
]

ARCHIVED_LECTURES = [
    _lecture(
        None,
        None,
        "Recurrent neural networks",
        "archives-lecture-rnn.md",
        "archives-lec-rnn.pdf",
        "https://youtu.be/qnux5dg5wZ4",
    ),
    _lecture(
        None,
        None,
        "Generative adversarial networks",
        "archives-lecture-gan.md",
        "archives-lec-gan.pdf",
        "https://youtu.be/cM6m1eHY5FI",
    ),
]

DEMO_PASSWORD = "lectern-demo"  # noqa: S105 — published demo credential, documented in README
INSTRUCTOR = ("instructor@demo.test", "Demo", "Instructor")
TA = ("ta@demo.test", "Demo", "Assistant")
STUDENTS = [(f"student{i}@demo.test", "Student", str(i), f"s10000{i}") for i in range(1, 7)]

# Groups of the live demo edition: students 1-3, students 4-5; student 6 has none.
DEMO_GROUPS = [("Tensor Titans", [1, 2, 3]), ("Gradient Gang", [4, 5]), ("Solo Descent", [6])]
