"""Adapters that let other frameworks use geertz: :mod:`geertz.integrations.langchain`
offers the ContextPack as a LangChain retriever."""
